"""The one error the configuration gives."""


class ConfigError(ValueError):
    """A configuration problem, told as one sentence naming the file, the key and the fix."""
