"""The ways reporters write a race's facts, in French and English (issue 16).

Every sentence here is invented for the test, in the shapes real reports use; none is
copied from a report. Each shape is checked with names and series it was not written for,
and the traps beside it (running orders, standings, another race) must give nothing.
"""
import pytest

from bot.reports.extract import extract


def places(text):
    return sorted((f.data["position"], f.data["driver"]) for f in extract(text).of("result"))


def winner(text):
    return next((f.data["driver"] for f in extract(text).of("result") if f.data["position"] == 1), None)


def pole(text):
    found = extract(text).of("pole")
    return found[0].data["driver"] if found else None


def classes(text):
    return sorted((f.data["class"], f.data["position"], f.data["driver"]) for f in extract(text).of("class_result"))


def sc(text):
    found = extract(text).of("safety_car")
    return found[0].data["count"] if found else 0


# --- wins said another way --------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("La troisième manche a été remportée par Marco Bellini au terme d'une course tendue.", "Marco Bellini"),
    ("Olivier Ramel (Team Alpha, FRA) a remporté la course de dimanche à Lédenon.", "Olivier Ramel"),
    ("Sam Whitfield got his first Formula Regional win on Sunday after a perfect start.", "Sam Whitfield"),
    ("A late mistake by his rival saw Peter Holm take his first victory of the year.", "Peter Holm"),
    ("La Ligier n°12 (Dubois/Garnier/Moreau) a remporté les 4 Heures d'Aragon.", "Dubois / Garnier / Moreau"),
    ("L'Oreca n°9 de Luc Martel, Anna Roux et Ivo Kranj a remporté les 6 Heures de Zolder.",
     "Luc Martel / Anna Roux / Ivo Kranj"),
    ("La victoire est finalement revenue à la Duqueine n°4 de Paul Arnaud et Jean Vidal.", "Paul Arnaud / Jean Vidal"),
    ("Première victoire pour Jonas Berglund : le pilote suédois a dominé la course de bout en bout.", "Jonas Berglund"),
    ("Kai Lehmann, Ole Brandt and Finn Weber have won the Six Hours of Estoril for the German squad.",
     "Kai Lehmann / Ole Brandt / Finn Weber"),
    ("That was no worry for Nora Vance and Eli Stone, who drove the No. 5 Ligier to a dominant victory.",
     "Nora Vance / Eli Stone"),
    ("Tomás Rey a résisté à la pression de Martin Keller pour s'imposer avec une seconde d'avance.", "Tomás Rey"),
])
def test_a_win_said_another_way(text, expected):
    assert winner(text) == expected


@pytest.mark.parametrize("text", [
    "Hugo Lenz won the title with two races to spare.",  # a championship, not the race
    "Hugo Lenz remporte le championnat après une saison parfaite.",
    "En LMP3, Hugo Lenz s'impose devant Jan Ryba.",  # a class, not the overall race
    "Hugo Lenz clinched victory in the Pro-Am category ahead of Jan Ryba.",
    "« Je pensais que Hugo Lenz a remporté la course », disait un spectateur.",  # inside a quote
])
def test_what_is_not_the_race_win(text):
    assert winner(text) is None


# --- places -----------------------------------------------------------------------------------

def test_a_numbered_list_under_a_race_heading_and_not_the_standings():
    text = ("Race result\n\n1. Rob Carter (Team Blue)\n2. Ian Moss-Kerr (Red Line)\n3. Li Wen (Apex)\n\n"
            "Championship standings\n\n1. Ian Moss-Kerr 120 pts\n2. Rob Carter 110 pts\n")
    assert places(text) == [(1, "Rob Carter"), (2, "Ian Moss-Kerr"), (3, "Li Wen")]


def test_a_rally_podium_list_gives_crews():
    text = "Podium:\n\n1. Pierre Lambert-Marc Rivet (FRA/Skoda) en 3h12:04.1\n2. Erik Lund-Ola Berg (SWE/Ford) à 12.3\n"
    assert places(text) == [(1, "Pierre Lambert / Marc Rivet"), (2, "Erik Lund / Ola Berg")]


def test_inverted_sentences_and_other_verbs_in_english():
    text = ("Chris Nolan won the race at Snetterton. Third was Alan Pike, who had started tenth. "
            "Dev Patel was classified second after a late charge. Sam Ortiz finished in P4 ahead of Joe Kemp. "
            "Rounding out the top ten was Ben Lowe.")
    assert places(text) == [(1, "Chris Nolan"), (2, "Dev Patel"), (3, "Alan Pike"), (4, "Sam Ortiz"), (5, "Joe Kemp"),
                            (10, "Ben Lowe")]


def test_places_in_french_with_figures_and_respectivement():
    text = ("Julien Faure s'impose à Albi devant Marc Lenoir. "
            "La troisième place est revenue au Belge Tom Peeters. "
            "Théo Garnier a terminé à la 5e place. "
            "Lucas Blanc et Hugo Morel ont terminé respectivement sixième et septième.")
    assert places(text) == [(1, "Julien Faure"), (2, "Marc Lenoir"), (3, "Tom Peeters"), (5, "Théo Garnier"),
                            (6, "Lucas Blanc"), (7, "Hugo Morel")]


def test_a_top_n_closed_by_a_list_and_a_surname_resolved_to_its_full_name():
    text = ("Dale Pruitt won at Talladega ahead of Rick Sorensen. "
            "Tim Abbott, Lyle and Wes Crane rounded out the top five. Rookie Jack Lyle was pleased.")
    assert places(text) == [(1, "Dale Pruitt"), (2, "Rick Sorensen"), (3, "Tim Abbott"), (4, "Jack Lyle"),
                            (5, "Wes Crane")]


def test_surnames_alone_in_a_list_and_a_team_before_a_name():
    text = ("Maya Sato won the race. Comet Racing's Leo Brandt finished second ahead of Kowalski, Ivan Petrov "
            "and Omar Haddad.")
    assert places(text) == [(1, "Maya Sato"), (2, "Leo Brandt"), (3, "Kowalski"), (4, "Ivan Petrov"),
                            (5, "Omar Haddad")]


def test_a_nationality_before_each_name_in_a_chain_and_suivent():
    text = ("Paulo Vieira (Honda) a remporté le Grand Prix de Jerez devant l'Espagnol Raul Gil (Ducati). "
            "Le Français Jean Morin complète le podium. "
            "Suivent l'Italien Dario Conti (KTM), le vainqueur sortant, et l'Allemand Jonas Kehl (Yamaha).")
    assert places(text) == [(1, "Paulo Vieira"), (2, "Raul Gil"), (3, "Jean Morin"), (4, "Dario Conti"),
                            (5, "Jonas Kehl")]


def test_followed_home_and_a_penalty_that_moves_a_driver_down():
    text = ("Nina Holt won from Carl Reyes. Ola Dahl followed Ivo Sanz home to finish fifth. "
            "Emil Roth terminait quatrième mais il se voyait reléguer au neuvième rang après une pénalité.")
    assert places(text) == [(1, "Nina Holt"), (2, "Carl Reyes"), (4, "Ivo Sanz"), (5, "Ola Dahl"), (9, "Emil Roth")]


@pytest.mark.parametrize("text", [
    # Running orders: a lap, the start, a restart, "alors 6e", "ran second".
    "On lap 3 Joe Kemp was second ahead of Alan Pike.",
    "Au départ, Marc Lenoir passait deuxième devant Tom Peeters.",
    "At the restart Dev Patel took second from Sam Ortiz.",
    "Alex Roy (alors 6e) partait seul à la faute.",
    "Ben Lowe ran second for most of the opening stint.",
    # Standings and another race.
    "Marc Lenoir est désormais deuxième au championnat avec 87 points.",
    "Sam Ortiz is third in the championship standings after the round.",
    "Dev Patel, who finished second last week at Oulton Park, retired early.",
])
def test_running_orders_standings_and_other_races_are_no_places(text):
    assert places(text) == []


def test_a_qualifying_rank_is_no_race_place():
    text = "Joe Kemp took pole ahead of Alan Pike. Rookie Ben Lowe was fourth, the best rookie of the session."
    assert places(text) == []


def test_crews_and_cars_in_endurance_places():
    text = ("L'Oreca n°31 de Luc Martel, Anna Roux et Ivo Kranj a remporté les 4 Heures du Castellet. "
            "La n°8 de Yann Brun, Eva Klein et Max Ode a terminé à la deuxième place.")
    found = {f.data["position"]: f.data for f in extract(text).of("result")}
    assert found[1]["driver"] == "Luc Martel / Anna Roux / Ivo Kranj" and found[1]["car"] == "n°31"
    assert found[2]["driver"] == "Yann Brun / Eva Klein / Max Ode"
    assert all(f.data["class"] == "" for f in extract(text).of("result"))


def test_a_crew_given_two_places_is_left_out():
    text = ("Anna Roux, Ivo Kranj and Max Ode finished second in the #12 Oreca. "
            "Anna Roux, Ivo Kranj and Max Ode finished third in the #12 Oreca.")
    assert places(text) == []


# --- pole and grid ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Pierre Vial on pole, the race started in light rain.", "Pierre Vial"),
    ("Nick Ford, who started on pole, led every lap at Knockhill.", "Nick Ford"),
    ("En pole position pour la deuxième fois de l'année, Elsa Moreau a pris le meilleur départ.", "Elsa Moreau"),
    ("The poleman Ravi Kumar made a poor start.", "Ravi Kumar"),
    ("The #5 Ligier started the race from pole with Brandt at the wheel. Tim Brandt held the lead.", "Tim Brandt"),
])
def test_a_pole_said_another_way(text, expected):
    assert pole(text) == expected


def test_a_class_pole_and_the_next_race_pole_are_not_the_overall_pole():
    assert pole("L'Oreca n°7 de Paul Roda conserve l'avantage de sa pole position en LMP2 Pro/Am.") is None
    assert pole("Pour la course longue, Théo Blanc s'élancera en pole.") is None


def test_grid_slots_without_a_pole():
    text = "Parti troisième, Simon Varga a pris la tête au tour 12. Kim Lee worked his way up from 18th on the grid."
    grid = sorted((f.data["position"], f.data["driver"]) for f in extract(text).of("grid"))
    assert grid == [(3, "Simon Varga"), (18, "Kim Lee")]


# --- classes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Les victoires de Paul Rieu en B et de Marc Tissot en Rookies complètent le tableau.",
     [("B", 1, "Paul Rieu"), ("Rookies", 1, "Marc Tissot")]),
    ("LMGTE Pro winner: Carlo Fabbri", [("LMGTE Pro", 1, "Carlo Fabbri")]),
    ("Ana Ruiz clinched victory in the Pro-Am category, ahead of Jet Racing's Tom Wu, with Kit Lam earning third.",
     [("Pro-Am", 1, "Ana Ruiz"), ("Pro-Am", 2, "Tom Wu"), ("Pro-Am", 3, "Kit Lam")]),
    ("En LMP2, la victoire est revenue à l'Oreca n°41 de Jan Nowak, Rui Costa et Yves Bloch.",
     [("LMP2", 1, "Jan Nowak / Rui Costa / Yves Bloch")]),
])
def test_class_results(text, expected):
    assert classes(text) == expected


def test_a_class_win_is_not_the_overall_win():
    text = "Team Nord wins LMP2\nErik Dahl, Jon Aas and Per Lie went on to win in the #31 Oreca."
    assert winner(text) is None
    assert classes(text) == [("LMP2", 1, "Erik Dahl / Jon Aas / Per Lie")]


# --- safety car -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, count", [
    ("Deux phases de voitures de sécurité ont neutralisé la course.", 2),
    ("The race was won by Tom Cole. The Safety Car made three appearances during the afternoon.", 3),
    ("Une neutralisation a d'abord eu lieu, puis une deuxième voiture de sécurité est intervenue.", 2),
    ("The safety car was deployed after a crash at turn one.", 1),
    ("The race saw several interruptions by the safety car.", None),  # no count stated: unknown, not 1
])
def test_safety_car_periods(text, count):
    assert sc(text) == count


def test_a_vsc_and_a_safety_car_in_one_paragraph_keep_both():
    out = extract("A virtual safety car was called on lap 4. On lap 9 the safety car came out after a big crash.")
    assert out.of("vsc") and out.of("safety_car")


def test_a_safety_car_only_in_a_quote_is_none_out_on_track():
    assert sc('"I expected a safety car at some point but it never came," said Lia Stone.') == 0


# --- names and the year -----------------------------------------------------------------------

def test_crash_lists_hold_drivers_not_cars_or_teams():
    out = extract("In the race, Safety Car periods followed a crash between Ola Berg and the Hwa Racelab car "
                  "of Jan Ek at Fia F corner.")
    for crash in out.of("crash"):
        assert not any(word in " ".join(crash.data["drivers"]) for word in ("Safety", "Racelab", "Fia"))


def test_the_year_is_not_taken_from_inside_a_quote():
    out = extract("« Depuis 2009, je rêvais de ça », a dit Paul Roux. Le meeting 2024 s'est tenu à Nogaro.")
    assert out.of("event")[0].data["year"] == 2024


def test_more_inverted_shapes_and_other_verbs():
    text = ("Leo Park won the race at Zandvoort. Finishing second after a long fight was Arjun Das. "
            "Rounding out the top five were Tom Hale and Nico Ferri. Max Kerr fought hard for sixth ahead of Jo Lind.")
    assert places(text) == [(1, "Leo Park"), (2, "Arjun Das"), (4, "Tom Hale"), (5, "Nico Ferri"), (6, "Max Kerr"),
                            (7, "Jo Lind")]


def test_a_french_finish_with_a_fini_and_a_figure_place():
    text = "Lina Costa a remporté la course à Magny-Cours. Éric Valls a fini deuxième. Yanis Bel a pris la 3e place."
    assert places(text) == [(1, "Lina Costa"), (2, "Éric Valls"), (3, "Yanis Bel")]


def test_a_pole_given_as_an_advantage_with_the_places_behind():
    out = extract("La séance qualificative donnait l'avantage à Hugo Sarda devant Rémi Fort et Axel Nour.")
    assert out.of("pole")[0].data["driver"] == "Hugo Sarda"
    assert sorted((f.data["position"], f.data["driver"]) for f in out.of("grid")) == [
        (1, "Hugo Sarda"), (2, "Rémi Fort"), (3, "Axel Nour")]


def test_a_p_figure_and_a_starting_position():
    text = "Dana Cole won in Austin. Raj Mehta came home P3 after starting from 8th starting position."
    assert (3, "Raj Mehta") in places(text)


def test_a_step_of_the_podium_for_a_crew():
    text = ("La Ligier n°3 de Yann Brun et Eva Klein a remporté la course. "
            "L'équipage de l'Oreca n°8, composé de Luc Martel, Anna Roux et Ivo Kranj, termine sur la deuxième marche du podium. "
            "Le pilote suisse et ses coéquipiers, Max Ode et Tim Gall, sont montés sur la troisième marche du podium.")
    assert places(text) == [(1, "Yann Brun / Eva Klein"), (2, "Luc Martel / Anna Roux / Ivo Kranj"),
                            (3, "Max Ode / Tim Gall")]


# --- more shapes: a win after "as he", "picked up his … win", the first to take the flag ---------

def test_a_win_said_after_as_he_and_picked_up():
    """The subject, then "as he romped to victory"; "picked up his third career win"."""
    assert winner("Owen Marsh was able to build a healthy lead as he romped to a commanding victory.") == "Owen Marsh"
    assert winner("It changed everything as Pavel Dorn picked up his third career win at the track.") == "Pavel Dorn"


def test_as_he_with_another_name_between_gives_no_winner():
    """"A chased B as he …": whose win is not said, so nothing."""
    assert winner("Owen Marsh chased Leo Brandt home as he romped to a commanding victory.") != "Owen Marsh"
    assert winner("Owen Marsh picked up his first championship title last year.") is None


def test_first_to_take_the_flag_from_a_described_pair():
    """"was the first to take the chequered flag from his fellow BMW driver A and B": 2 and 3."""
    text = ("The 27-year-old drove a clever race and was the first to take the chequered flag from his fellow "
            "AMG driver Rolf Kemmer and Ivo Sander (Ford).")
    assert places(text) == [(2, "Rolf Kemmer"), (3, "Ivo Sander")]


# --- more places: the subject, then its finish at the end of the sentence ----------------------

def test_subject_finishing_at_the_end_of_the_sentence():
    text = ("Ewan Pike won the race. Tobias Lund pitted early as the track dried, switching from wets to slicks, "
            "but never regained the time, finishing seventh. Series leader Jonas Ferr, however, missed the chance "
            "to extend his lead as he finished in 11th place.")
    assert (7, "Tobias Lund") in places(text)
    assert (11, "Jonas Ferr") in places(text)


def test_subject_finishing_needs_no_other_name_and_no_standings():
    assert places("Tobias Lund passed Jonas Ferr on the final lap, finishing seventh.") == []
    assert places("Tobias Lund lost ground in the points, finishing seventh in the standings.") == []


def test_taking_a_place_overall_and_a_class_win():
    text = "Somchai Rattana started the season well for KMR, taking seventh overall and the Am victory."
    assert places(text) == [(7, "Somchai Rattana")]


def test_recovered_to_finish_and_was_name_in_place():
    text = ("Ewan Pike won the race. Marc Ollier recovered from a spin to finish third. "
            "The best-placed Ford driver was Dario Vence in sixth, who had started from the back.")
    assert (3, "Marc Ollier") in places(text)
    assert (6, "Dario Vence") in places(text)


def test_was_name_in_place_on_the_grid_or_in_the_standings_is_no_finish():
    assert places("The fastest rookie was Dario Vence in sixth on the grid.") == []
    assert places("After the race the best-placed Ford was Dario Vence in sixth in the championship.") == []


def test_a_place_name_after_from_is_not_the_subject():
    """"the 30-year-old from Lyon … to finish second": Lyon is a town, not a driver."""
    text = "Ewan Pike won the race. From 18th on the grid, the 30-year-old from Lyon moved up to finish second."
    assert (2, "Lyon") not in places(text)


def test_a_crew_bringing_its_car_to_a_place():
    text = ("Pour ses débuts, Hugo Ferrand, accompagné par Louis Carel et Tom Brisse, a hissé la Ligier #17 "
            "à la sixième place derrière les deux Oreca.")
    assert places(text) == [(6, "Hugo Ferrand / Louis Carel / Tom Brisse")]


def test_a_quote_about_points_does_not_make_a_finish_a_standing():
    text = ("Ewan Pike won the race. Rookie Nils Haber (Team Nord) saw the flag in fourth and was happy: "
            "“I scored some important points! Now the next race,” said Haber.")
    assert (4, "Nils Haber") in places(text)


# --- a pole given to a nationality ----------------------------------------------------------

def test_a_pole_given_to_a_nationality_named_once():
    text = ("Le Belge Arno Vantieghem (Team Nord) a gagné samedi devant le Suisse Karl Imhof. "
            "Le Belge, déjà vainqueur à Dijon, s'était élancé en pole position.")
    assert pole(text) == "Arno Vantieghem"


def test_a_nationality_shared_by_two_drivers_gives_no_pole():
    text = ("Le Belge Arno Vantieghem a gagné samedi devant le Belge Karl Imhof. "
            "Le Belge, déjà vainqueur à Dijon, s'était élancé en pole position.")
    assert pole(text) is None
    assert pole("Le Belge, déjà vainqueur à Dijon, s'était élancé en pole position.") is None


# --- classes: a class rank with its crew, a class fight's paragraph, "his first Pro-Am victory" ----

def test_a_class_rank_with_the_crew_beside_it():
    text = ("Autre Suisse au départ, Marc Delvaux (Porsche #60) a terminé à la 11e place en GT en compagnie "
            "des Italiens Paolo Reni et Enzo Grassi.")
    assert classes(text) == [("GT", 11, "Marc Delvaux / Paolo Reni / Enzo Grassi")]
    assert places(text) == []


def test_a_paragraph_about_one_class_fight():
    text = ("Jo Marsh a gagné la course.\n"
            "Tous les regards étaient sur la bataille de la catégorie LMGT3, entre la Ferrari n°8 et la Porsche n°9. "
            "Les dernières minutes ont donné lieu à une lutte serrée, dont Lena Vogt est sortie victorieuse "
            "face à Paul Tissot.\nPierre Lamy a terminé deuxième.")
    assert classes(text) == [("LMGT3", 1, "Lena Vogt"), ("LMGT3", 2, "Paul Tissot")]
    assert places(text) == [(1, "Jo Marsh"), (2, "Pierre Lamy")]


def test_a_class_topic_sentence_with_a_result_in_it_sets_no_class():
    text = ("Jo Marsh a gagné la course devant la catégorie LMP2.\nPierre Lamy a terminé deuxième.")
    assert (2, "Pierre Lamy") in places(text)


def test_a_first_class_victory_and_a_category_won():
    text = ("Rui Tavares (Porto) drove a superb race to take his first Pro-Am victory, while Ken Lowe (Leeds) "
            "was equally impressive as he blitzed the Am category.")
    assert classes(text) == [("Am", 1, "Ken Lowe"), ("Pro-Am", 1, "Rui Tavares")]


def test_another_name_before_a_class_victory_gives_nothing():
    assert classes("Dan Moss passed Rui Tavares to take his first Pro-Am win.") == [("Pro-Am", 1, "Rui Tavares")]


def test_won_the_battle_for_a_place_is_no_win():
    assert winner("Jan Hale won the battle for third with a late move.") is None


# --- crews written A-B-C after a car, in a chain of places ------------------------------------

def test_a_chain_of_cars_with_hyphenated_crews():
    text = ("La première Ford, la n°8 Alpha de Morel-Brun-Petit, est 6e devant la Porsche 911 n°54 Beta "
            "Motorsport de Klein-Weber-Lutz et les deux BMW M4 Gamma, la n°34 de Van den Berg-Rossi-Fabre "
            "devant la n°35 de Dubois-Roy-Lenoir.")
    assert places(text) == [(6, "Morel / Brun / Petit"), (7, "Klein / Weber / Lutz"),
                            (8, "Van den Berg / Rossi / Fabre"), (9, "Dubois / Roy / Lenoir")]


def test_a_chain_of_cars_stops_where_prose_begins():
    text = ("La n°8 Alpha de Morel-Brun-Petit est 6e devant la n°54 de Klein-Weber-Lutz, qui a perdu du temps "
            "au ravitaillement après un contact avec la n°35 de Dubois-Roy-Lenoir.")
    assert (8, "Dubois / Roy / Lenoir") not in places(text)
    assert (7, "Klein / Weber / Lutz") in places(text)


def test_a_class_won_by_a_margin_over_the_rest_of_its_field():
    text = ("Tom Reid et Ali Khan ont décroché leur deuxième succès sur la Ligier n°11. Le duo anglo-canadien "
            "a terminé avec une belle avance sur le reste du plateau LMP3.")
    assert classes(text) == [("LMP3", 1, "Tom Reid / Ali Khan")]
    assert classes("Kim Sato crossed the line well clear of the rest of the GT4 field.") == [("GT4", 1, "Kim Sato")]


def test_the_duo_with_no_crew_before_it_is_left_out():
    text = ("La Ligier n°11 a longtemps mené. Le duo a terminé avec une belle avance sur le reste du plateau LMP3.")
    assert classes(text) == []


def test_guards_on_the_new_shapes():
    """A running order, a practice timesheet and a class win of another season give nothing."""
    text = ("Ewan Pike won the race. Behind him was Dario Vence in second for much of the race. "
            "Tom Hale topped the practice session, taking seventh overall. "
            "Rui Tavares, who took his first Pro-Am victory last year, crashed.")
    assert places(text) == [(1, "Ewan Pike")]
    assert classes(text) == []


def test_a_win_emerged_from_a_battle_is_no_race_win():
    assert winner("Lena Vogt est sortie victorieuse du duel pour la troisième place.") is None
    assert winner("Lena Vogt emerged victorious from the battle for third.") is None


def test_a_place_in_a_qualifying_part_is_no_finish():
    text = "Ewan Pike won the race ahead of Tom Ruiz. Luc Marais was angry after qualifying, finishing third in Q2."
    assert places(text) == [(1, "Ewan Pike"), (2, "Tom Ruiz")]


def test_a_sentence_opening_on_a_lap_is_a_running_order():
    text = ("Jo Marsh a gagné la course. Au 10e tour, la n°8 de Morel-Brun-Petit était 3e devant la n°9 de "
            "Alan-Bert-Cole. After the first stop, Paul Roux was sixth.")
    assert places(text) == [(1, "Jo Marsh")]


def test_a_pole_told_by_a_word_for_the_pole_sitter_is_the_one_driver_named_just_before():
    from bot.reports.extract import extract

    one = ("The Brno round of the Central Cup went to Tomas Varga. Varga had led every lap from the start. "
           "The poleman made a clean getaway and was never headed. Lena Fischer was second.")
    assert [f.data["driver"] for f in extract(one).of("pole")] == ["Tomas Varga"]
    french = ("Léon Marchetti remportait dimanche la course de Dijon. Sur le tracé bourguignon, le pilote local "
              "n'a jamais faibli. Auteur de la pole-position, le Dijonnais menait dès le départ. "
              "Hugo Blanc terminait deuxième.")
    assert [f.data["driver"] for f in extract(french).of("pole")] == ["Léon Marchetti"]


def test_a_pole_word_is_left_alone_when_two_drivers_could_be_meant_or_it_is_quoted():
    from bot.reports.extract import extract

    two = ("Tomas Varga won the Brno round from Lena Fischer, with Pavel Novak third. "
           "The poleman made a clean getaway and was never headed.")
    assert extract(two).of("pole") == []
    quoted = ("Tomas Varga won the Brno round from Lena Fischer. “The poleman always has the advantage "
              "here,” said Fischer afterwards.")
    assert extract(quoted).of("pole") == []


def test_a_team_in_brackets_after_a_finisher_is_kept_but_a_nationality_is_not():
    from bot.reports.extract import extract

    text = ("2025 - Coupe des Vignes\nVignes - Jean Blanc (FRA/Blanc Racing) s'imposait devant Paul Noir "
            "(Noir Motorsport) et Luc Vert (FRA), au terme d'une course disputée sous le soleil.")
    assert [(f.data["driver"], f.data.get("team")) for f in extract(text).of("result")] == [
        ("Jean Blanc", "Blanc Racing"), ("Paul Noir", "Noir Motorsport"), ("Luc Vert", None)]
