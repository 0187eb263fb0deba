from bot.lookup import AliasIndex, AliasRow, normalise, rank, resolve, split_year

ROWS = [
    AliasRow("le mans", "pcc-2017", "Porsche Carrera Cup Le Mans", "2017-06-17"),
    AliasRow("lemans", "pcc-2017", "Porsche Carrera Cup Le Mans", "2017-06-17"),
    AliasRow("24h", "pcc-2017", "Porsche Carrera Cup Le Mans", "2017-06-17"),
    AliasRow("le mans", "wec-2015", "24 Hours of Le Mans", "2015-06-13"),
    AliasRow("24 hours of le mans", "wec-2015", "24 Hours of Le Mans", "2015-06-13"),
    AliasRow("spa", "wec-2016", "6 Hours of Spa", "2016-05-07"),
    AliasRow("6 hours of spa", "wec-2016", "6 Hours of Spa", "2016-05-07"),
]


def exact(query):
    text, _ = split_year(query)
    return [r for r in ROWS if r.alias in (normalise(query), text)]


def find(query):
    return resolve(query, exact(query), lambda: AliasIndex(ROWS))


def test_normalise_strips_case_accents_and_punctuation():
    assert normalise("  Le-Mans ") == "le mans"
    assert normalise("Güven") == "guven"
    assert normalise("Circuit des 24 Heures!") == "circuit des 24 heures"


def test_split_year_takes_a_four_digit_year_out():
    assert split_year("le-mans 2017") == ("le mans", "2017")
    assert split_year("24h") == ("24h", None)


def test_the_forgiving_spellings_all_find_le_mans():
    for query in ("lemans", "Le Mans", "le-mans 2017", "24h", "LE MANS"):
        assert find(query).event_id == "pcc-2017", query


def test_most_recent_event_wins_a_shared_alias():
    assert find("le mans").event_id == "pcc-2017"


def test_a_year_picks_the_older_event():
    assert find("le mans 2015").event_id == "wec-2015"


def test_a_typo_is_forgiven():
    assert find("le mnas").event_id == "pcc-2017"
    assert find("6 hours of sap").event_id == "wec-2016"


def test_unknown_event_gets_suggestions_not_an_answer():
    found = find("speedway")
    assert found.event_id is None
    assert found.suggestions == ("6 Hours of Spa 2016",)


def test_two_letters_must_match_a_whole_alias():
    assert find("le").event_id is None


def test_nothing_close_gives_no_suggestion():
    found = find("zzzzqqq")
    assert found.event_id is None and found.suggestions == ()


def test_rank_orders_by_score_then_date():
    ids = [event_id for event_id, *_ in rank("le mans", AliasIndex(ROWS))]
    assert ids[:2] == ["pcc-2017", "wec-2015"]


def test_a_big_index_picks_the_same_best_event_as_scoring_every_alias():
    """Past SCAN_ALL aliases only candidates are scored (the closest whole aliases, and those
    holding the query's rarest letter pairs): the answer must be the one a full scan gives."""
    from bot import lookup

    venues = ["monza", "imola", "silverstone", "hockenheim", "zandvoort", "estoril", "barcelona", "misano"]
    filler = [AliasRow(f"{venues[n % 8]} round {n}", f"filler-{n}", f"Filler Cup {n}", f"20{n % 25:02d}-05-01")
              for n in range(6000)]
    big = AliasIndex(ROWS + filler)
    assert len(big.squashed) > lookup.SCAN_ALL
    queries = ["le mnas", "lemans", "le mands 2017", "24 hours of le man", "6 hours spa", "spa", "hours of spa",
               "carrera cup", "silverstne round 12", "imola round 4242"]
    full = lookup.SCAN_ALL
    try:
        lookup.SCAN_ALL = 10**9  # the reference: every alias scored
        reference = {q: rank(q, AliasIndex(ROWS + filler))[:1] for q in queries}
    finally:
        lookup.SCAN_ALL = full
    for q in queries:
        got = rank(q, big)[:1]
        assert [(e, round(s)) for e, s, *_ in got] == [(e, round(s)) for e, s, *_ in reference[q]], q
