"""Quotes in race reports and who said them: each way reporters write an attribution, in
French and English, and the quotes that must be left alone. Every sentence here is made up."""
import time

import pytest

from bot.reports import quotes as Q
from bot.reports.extract import extract
from bot.reports.names import Roster


def said(text):
    """(speaker, opening words) of each quote found."""
    return [(f.data["speaker"], f.data["text"]) for f in extract(text).of("quote")]


def speakers(text):
    return [s for s, _ in said(text)]


# --- the attribution after the quote ---------------------------------------------------------

@pytest.mark.parametrize("text, who", ids=lambda v: v[:40] if isinstance(v, str) else None, argvalues=[
    ("« Je suis très heureux de cette victoire ici », a commenté Paul Arnaud.", "Paul Arnaud"),
    ("« Une course parfaite du début à la fin », s’enthousiasmait Paul Arnaud.", "Paul Arnaud"),
    ("« Nous avons manqué de rythme aujourd'hui », souligne Léo Morin.", "Léo Morin"),
    ("« On reviendra plus forts à la prochaine manche », dit Léo Morin.", "Léo Morin"),
    ("« Le dernier relais était très compliqué » a reconnu Léo Morin, déçu.", "Léo Morin"),
    ("« Les pneus ont bien tenu jusqu’au bout », a déclaré de son côté Léo Morin.", "Léo Morin"),
    ("« La voiture était parfaite ce week-end », analysait le pilote français Paul Arnaud.", "Paul Arnaud"),
    ("“It was a tough race from start to finish,” said Jack Turner.", "Jack Turner"),
    ("“It was a tough race from start to finish,” Jack Turner explained.", "Jack Turner"),
    ("“I did nothing wrong at the chicane,” insisted Sam Riley, who was fifth.", "Sam Riley"),
    ("“It has been a long road back,” reflected Sam Riley.", "Sam Riley"),
    ("“That is the best win of my career” beamed Sam Riley.", "Sam Riley"),
    ("“We managed the tyres better than anyone,” Sam Riley told Speedweek.", "Sam Riley"),
    ("\"The car was good but traffic was terrible,\" noted Sam Riley.", "Sam Riley"),
    ("“I was flat out everywhere,” summed up Sam Riley.", "Sam Riley"),
    ("„Es war ein hartes Rennen heute“, said Jonas Weber.", "Jonas Weber"),
])
def test_an_attribution_after_the_quote_names_its_speaker(text, who):
    assert speakers(text) == [who]


def test_the_speaker_keeps_the_lower_case_particle_of_his_name():
    assert speakers("« C’était difficile avec les pneus durs », a déclaré ten Brinke.") == ["ten Brinke"]
    text = ("Kees van der Molen termine troisième devant Paul Arnaud.\n\n"
            "« C’était difficile avec les pneus durs », a déclaré van der Molen.")
    assert speakers(text) == ["Kees van der Molen"]


def test_a_surname_alone_is_the_full_name_the_report_gives_or_stays_as_written():
    text = "Jack Turner won from Sam Riley.\n\n“It was a tough race from start to finish,” said Turner."
    assert speakers(text) == ["Jack Turner"]
    assert speakers("Riley was second.\n\n“We had the pace all weekend long,” Riley says.") == ["Riley"]
    text = "Le Suisse Marc Favre l’emporte.\n\n« J’ai attaqué dès le premier tour », expliquait Favre."
    assert speakers(text) == ["Marc Favre"]


def test_a_first_name_alone_is_the_one_driver_of_that_name():
    text = "Porsche Junior Noah Keller won from pole.\n\n“I needed a great start to control the race” sums up Noah."
    assert speakers(text) == ["Noah Keller"]


def test_a_pull_quote_takes_the_name_on_the_line_below():
    text = "“Winning here means the world to me.”\n— Jack Turner\n\nTurner led every lap."
    assert speakers(text) == ["Jack Turner"]
    text = "« Ce circuit me réussit toujours très bien. »\n– Paul Arnaud\n\nArnaud a mené de bout en bout."
    assert speakers(text) == ["Paul Arnaud"]


# --- the sentence before the quote -----------------------------------------------------------

@pytest.mark.parametrize("text, who", ids=lambda v: v[:40] if isinstance(v, str) else None, argvalues=[
    ("Paul Arnaud a déclaré : « On a fait le travail, tout simplement. »", "Paul Arnaud"),
    ("Au terme de la course, Paul Arnaud se montrait satisfait : « On a fait le travail, tout simplement. »",
     "Paul Arnaud"),
    ("Selon Paul Arnaud, « la piste était très glissante en fin de course ».", "Paul Arnaud"),
    ("Sam Riley added: “We’ll be back stronger at the next round.”", "Sam Riley"),
    ("Sam Riley, who took the last podium spot for Vortex GT, said: “What a race, I loved every lap of it.”",
     "Sam Riley"),
    ("Sam Riley said, “Today the rain made the track really slippery.”", "Sam Riley"),
    ("According to Jack Turner, “the track was as slippery as ice in the end”.", "Jack Turner"),
])
def test_a_sentence_that_leads_into_the_quote_names_its_speaker(text, who):
    assert speakers(text) == [who]


# --- pronouns, descriptors, headings ---------------------------------------------------------

def test_a_pronoun_or_an_inversion_is_the_driver_just_named():
    text = "Léo Morin termine deuxième.\n\n« Nous avons manqué un peu de rythme », a-t-il déclaré."
    assert speakers(text) == ["Léo Morin"]
    text = "Léo Morin termine deuxième. « Nous avons manqué un peu de rythme », explique-t-il."
    assert speakers(text) == ["Léo Morin"]
    text = "Jack Turner won ahead of Sam Riley.\n\n“I just managed the tyres all race long,” he said."
    assert speakers(text) == ["Jack Turner"]


def test_a_descriptor_is_resolved_only_when_one_driver_fits():
    text = "Kees van der Molen termine troisième.\n\n« C’était difficile avec les pneus durs », confiait le Néerlandais."
    assert speakers(text) == ["Kees van der Molen"]
    text = ("Jack Turner won from Sam Riley. Although Riley held second all race, he admitted Turner was quicker. "
            "“Jack was just in another league today,” said the championship leader.")
    assert speakers(text) == ["Sam Riley"]
    # Two drivers as the subject: the descriptor could be either.
    text = ("Kees van der Molen et Paul Arnaud se sont battus jusqu’au bout.\n\n"
            "« C’était difficile avec les pneus durs », confiait le pilote.")
    assert speakers(text) == []


def test_a_heading_names_the_speaker_of_the_quotes_below_it(monkeypatch):
    monkeypatch.setattr(Q, "JOIN_PARTS", True)
    text = "LMP2 winner: Jack Turner\n“We never gave up, and the strategy worked out.”\n“Thanks to the whole crew.”"
    assert said(text) == [("Jack Turner", "We never gave up, and the strategy worked out. Thanks to the whole crew.")]
    text = "Paul Arnaud réagit après sa victoire\n\n« Je n’ai jamais douté de la stratégie choisie. »"
    assert speakers(text) == ["Paul Arnaud"]


# --- one statement, one quote ----------------------------------------------------------------

def test_a_quote_split_by_its_attribution_is_one_quote(monkeypatch):
    monkeypatch.setattr(Q, "JOIN_PARTS", True)
    text = "« Je suis ravi », a déclaré Paul Arnaud. « L’équipe a fait un travail fantastique tout le week-end. »"
    found = said(text)
    assert len(found) == 1 and found[0][0] == "Paul Arnaud" and found[0][1].startswith("Je suis ravi")
    text = ("“It was tricky,” said Jack Turner, who won for the third time. “The rain came at the worst time.\n\n"
            "“But we stayed out and it paid off.”")
    found = said(text)
    assert len(found) == 1 and found[0][0] == "Jack Turner" and found[0][1].startswith("It was tricky,")
    assert found[0][1].endswith("it paid off.")


def test_the_same_speaker_again_after_narrative_is_a_second_quote():
    text = ("“It was a tough race from start to finish,” said Jack Turner. The win was his third of the year.\n\n"
            "“Now we focus on the title,” Turner added.")
    assert said(text) == [("Jack Turner", "It was a tough race from start to finish,"),
                          ("Jack Turner", "Now we focus on the title,")]
    text = ("« Je suis très heureux », a déclaré Paul Arnaud.\n\nIl a pris la tête au dixième tour.\n\n"
            "Il ajoute : « Nous allons profiter de cette victoire. »")
    assert said(text) == [("Paul Arnaud", "Je suis très heureux"),
                          ("Paul Arnaud", "Nous allons profiter de cette victoire.")]


def test_the_parts_can_be_kept_apart(monkeypatch):
    monkeypatch.setattr(Q, "JOIN_PARTS", False)
    text = "« Je suis ravi », a déclaré Paul Arnaud. « L’équipe a fait un travail fantastique tout le week-end. »"
    assert speakers(text) == ["Paul Arnaud", "Paul Arnaud"]


def test_two_speakers_in_one_paragraph_each_get_their_quote():
    text = ("“When I saw three laps to go I went for it,” said Sam Riley. Jack Turner said, “I could not "
            "hold him off in the last sector.”")
    assert speakers(text) == ["Sam Riley", "Jack Turner"]


# --- what is not a driver's quote ------------------------------------------------------------

@pytest.mark.parametrize("text", ids=lambda v: v[:40], argvalues=[
    "Turner described the corner as “tricky” on the opening lap.",
    "La course est déclarée « WET » au départ.",
    "The slogan “Race hard, race fair, race clean” was painted on the pit wall.",
    "La piste était « très piégeuse » selon plusieurs pilotes. « Il faut rester concentré jusqu’au bout. »",
    "“We are delighted with the result for everyone,” the team said.",
    "« Nous sommes fiers de nos deux pilotes aujourd'hui », a déclaré l’équipe dans un communiqué.",
    "“We are proud of both our drivers this weekend,” said Vortex Racing.",
    "Jack Turner won.\n\n“He drove a fantastic race today,” said his team-mate.",
    "Jack Turner won.\n\n“He drove a fantastic race today,” said Turner’s team-mate.",
    "The song ’We are the champions’ played on the podium for Jack Turner.",
    "Jack Turner won the race.\n\n“Results are provisional until the stewards meet tonight.”",
    "Jack Turner took pole with a 1'25\"432 and won, 4\"120 ahead of Sam Riley.",
])
def test_no_speaker_is_made_up(text):
    assert said(text) == []


def test_someone_named_after_a_team_is_the_speaker():
    text = "“He was the quickest on track today,” said Vortex Racing team principal Jo Banks."
    assert speakers(text) == ["Jo Banks"]
    text = "“He was the quickest driver on track today,” said Turner's engineer Mark Hale."
    assert speakers(text) == ["Mark Hale"]


def test_every_speaker_is_written_in_the_report():
    text = ("Brazilian Rafael Costa won. “A fantastic weekend for all of us,” said Costa. "
            "“I struggled for grip,” admitted the Spaniard.")
    for speaker in speakers(text):
        assert speaker in text


# --- hostile input ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ids=["guillemets", "straight", "curly-lines", "attributed", "open-marks"], argvalues=[
    "« a » " * 30000,
    '"Abc Def Ghi Jkl" ' * 10000,
    "“abc def ghi jkl\n" * 20000,
    "“One two three four,” said Jean Dupont. " * 5000,
    "“" * 50000 + "«" * 50000,
])
def test_odd_input_is_read_in_linear_time(text):
    Q._patterns()  # built once, on first use
    start = time.perf_counter()
    list(Q.find_quotes(text, Roster(), lambda raw: raw))
    assert time.perf_counter() - start < 5


def test_two_statements_each_with_its_own_attribution_stay_two_even_from_one_speaker():
    from bot.reports.extract import extract

    text = ("2025 - Coupe des Collines\nCollines - Léa Fontaine s'imposait devant Marc Aubert.\n"
            "« Le départ était propre et la voiture allait très bien », a déclaré Léa Fontaine.\n"
            "« Nous reviendrons encore plus forts au prochain meeting », a déclaré Léa Fontaine.\n")
    quotes = extract(text).of("quote")
    assert [q.data["speaker"] for q in quotes] == ["Léa Fontaine", "Léa Fontaine"]
    assert quotes[1].data["text"].startswith("Nous reviendrons")
