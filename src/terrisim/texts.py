"""Every word and sentence terrisim shows, in French (default) and English: one catalogue.

What each part is for:

* :data:`MESSAGES`: the trainers' page (``static/index.html``, ``app.js``), served at
  ``/api/i18n``; names of catalogue items are keys too: ``kind.<kind>``, ``good.<good>``,
  ``governance.<rule>``, ``shock.<kind>``, ``knob.<id>`` (each knob, rule and shock also has a
  ``.help`` line shown under it or as its tooltip). Looked up with :func:`t`.
* :data:`WORDS`: the game page (``static/game.html``, ``game.js``), served with
  :data:`MESSAGES` at ``/api/game/i18n``; the game's sentences: :data:`REASONS` (why an agent
  answers as it does), :data:`ERRORS` (what a :class:`~terrisim.game.errors.GameError`
  refused), :data:`FIELD_ERRORS` and :data:`ALLOWED` (a malformed saved game),
  :data:`TIMELINE` (the debrief's replay and the game's log), :data:`GOODS` and
  :data:`SHOCKS`; filled by :func:`render` (numbers the language's way: ``11,2``, ``1 an``).
* :data:`EVENTS`: the plain-words event log of a run (``events.csv``, the page's narrative),
  filled by :func:`event_text`; governance rules and shocks add theirs (:func:`add_template`).

Every entry has both languages; tests check that every key the pages and the code use exists
(``tests/test_texts.py``, ``tests/test_ui_static.py``, ``tests/test_game_web.py``). The French
uses the words of the people in the room (élus, contrat de réciprocité, conférence des élus,
fusion, dotations, ingénierie, solidarité fiscale...): see ``../shared/DOMAIN.md``.
"""

from __future__ import annotations

import math
from typing import Any

from terrisim.errors import shown

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def _(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


# =============================================================================================
# The trainers' page
MESSAGES: dict[str, dict[str, str]] = {
    # --- page ---------------------------------------------------------------------------------
    "app.title": _("terrisim : coopérations villes-campagnes", "terrisim: urban-rural cooperation"),
    "app.subtitle": _(
        "Simulation des échanges et des coopérations entre territoires urbains et ruraux",
        "Simulation of exchanges and cooperation between urban and rural territories",
    ),
    "lang.switch": _("English", "Français"),
    "lang.switch.help": _("Switch the page to English", "Passer la page en français"),
    "nav.game": _("Le jeu des paniers", "The baskets game"),
    "page.big": _("Grand écran", "Big screen"),
    "confirm.restart": _(
        "Changer de règle recommence la simulation au mois 0 (elle en est au mois {step}). "
        "Continuer ?",
        "Changing the rule starts the simulation again at month 0 (it is at month {step}). Go on?",
    ),
    "page.big.help": _(
        "Grands caractères pour le vidéoprojecteur (touche G)",
        "Large type for the projector (key G)",
    ),
    "nav.game.help": _(
        "Jouer les territoires en équipes : paniers de transactions réciproques",
        "Teams play the territories: baskets of reciprocal transactions",
    ),
    "error.prefix": _("Problème :", "Problem:"),
    "error.reconnecting": _(
        "connexion au serveur perdue : reconnexion en cours…",
        "lost the connection to the server: reconnecting…",
    ),
    "error.reconnected": _(
        "connexion rétablie : la simulation reprend où elle en était.",
        "connection restored: the simulation goes on where it was.",
    ),
    "error.network": _(
        "le serveur ne répond pas (est-il toujours lancé ?)",
        "the server does not answer (is it still running?)",
    ),
    # --- controls -----------------------------------------------------------------------------
    "ctrl.scenario": _("Scénario", "Scenario"),
    "ctrl.seed": _("Graine du hasard", "Random seed"),
    "ctrl.seed.help": _(
        "Même graine, mêmes territoires et mêmes tirages : une démonstration se "
        "rejoue à l'identique.",
        "Same seed, same territories and same draws: a demonstration replays identically.",
    ),
    "ctrl.governance": _("Règle de gouvernance", "Governance rule"),
    "ctrl.compare": _("Comparer deux règles côte à côte", "Compare two rules side by side"),
    "ctrl.compare.help": _(
        "Deux simulations : mêmes territoires, même graine, mêmes chocs ; "
        "seule la règle de gouvernance change.",
        "Two simulations: same territories, seed and shocks; only the governance rule differs.",
    ),
    "ctrl.governance_b": _("Seconde règle", "Second rule"),
    "ctrl.speed": _("Vitesse", "Speed"),
    "speed.slow": _("lente", "slow"),
    "speed.normal": _("normale", "normal"),
    "speed.fast": _("rapide", "fast"),
    "section.knobs": _("Réglages", "Settings"),
    "section.knobs.help": _(
        "Pris en compte quand on appuie sur « Réinitialiser ».", "Applied when you press “Reset”."
    ),
    "section.shocks": _("Déclencher un choc maintenant", "Trigger a shock now"),
    "section.shocks.help": _(
        "Le choc frappe au pas en cours ; ses effets se voient aux pas suivants.",
        "The shock hits at the current step; its effects show in the following steps.",
    ),
    "btn.reset": _("Réinitialiser", "Reset"),
    "btn.reset.help": _(
        "Repartir du début avec le scénario et les réglages choisis",
        "Start again with the chosen scenario and settings",
    ),
    "btn.reload": _("Recharger les règles", "Reload rules"),
    "btn.reload.help": _(
        "Relire les fichiers de règles modifiés, sans redémarrer le serveur, puis repartir du "
        "début",
        "Read the edited rule files again, without restarting the server, then start again",
    ),
    "btn.step": _("Pas suivant", "Step"),
    "btn.step.help": _("Avancer d'un pas de temps (un mois)", "Advance one time step (a month)"),
    "btn.play": _("Lecture", "Play"),
    "btn.play.help": _("Avancer pas à pas jusqu'à la pause", "Step on until paused"),
    "btn.pause": _("Pause", "Pause"),
    "hint.keys": _(
        "Clavier ou télécommande : → pas suivant, espace lecture/pause.",
        "Keyboard or remote: → step, space play/pause.",
    ),
    # --- knobs --------------------------------------------------------------------------------
    "knob.initial_trust": _("Confiance initiale", "Initial trust"),
    "knob.initial_trust.help": _(
        "Confiance entre élus au départ, avant toute histoire commune "
        "(0 : méfiance, 1 : confiance totale).",
        "Trust between "
        "elected officials at the start, before any shared history "
        "(0: distrust, 1: full trust).",
    ),
    "knob.engineering": _("Capacité d'ingénierie", "Engineering capacity"),
    "knob.engineering.help": _(
        "Personnel formé pour monter et suivre les coopérations, rare "
        "en zone rurale (multiplie la valeur du scénario).",
        "Staff trained to "
        "set up and run cooperation, scarce in rural areas (multiplies the "
        "scenario's value).",
    ),
    "knob.fiscal_solidarity": _("Solidarité fiscale", "Fiscal solidarity"),
    "knob.fiscal_solidarity.help": _(
        "Part des recettes fiscales que les communes d'une "
        "intercommunalité mettent en commun et redistribuent "
        "selon les besoins (0 : aucune).",
        "Share of tax revenue "
        "the members of an intercommunality pool and redistribute "
        "by need (0: none).",
    ),
    "knob.only_with": _(
        "Agit seulement avec la règle « {rule} ».", "Acts only with the rule “{rule}”."
    ),
    "knob.reciprocity_tolerance": _("Tolérance de réciprocité", "Reciprocity tolerance"),
    "knob.reciprocity_tolerance.help": _(
        "Déséquilibre qu'un territoire accepte dans un panier : "
        "0,25 veut dire recevoir au moins 75 % de ce qu'il "
        "donne.",
        "Imbalance a territory accepts in a basket: "
        "0.25 means receiving at least 75% of what it gives.",
    ),
    "knob.grants": _("Niveau des dotations de l'État", "Level of State grants"),
    "knob.grants.help": _(
        "Dotations versées aux collectivités (multiplie la valeur du scénario).",
        "Grants paid to local authorities (multiplies the scenario's value).",
    ),
    "knob.specialisation": _("Spécialisation des producteurs", "Producers' specialisation"),
    "knob.specialisation.help": _(
        "Vitesse à laquelle un producteur dont la production trouve preneur produit davantage, "
        "et recule s'il ne vend pas : « cultiver les différences » (hypothèse, 0 : aucune).",
        "How fast a producer whose output finds buyers produces more, and produces less when "
        "it does not sell: cultivating differences (an assumption; 0: none).",
    ),
    # --- governance rules ---------------------------------------------------------------------
    "governance.none": _("Sans coopération organisée", "No organised cooperation"),
    "governance.none.help": _(
        "Seulement des échanges au cas par cas entre territoires voisins.",
        "Only ad hoc exchanges between neighbouring territories.",
    ),
    "governance.reciprocity_contract": _("Contrat de réciprocité", "Reciprocity contract"),
    "governance.reciprocity_contract.help": _(
        "Une ville et un territoire rural s'engagent sur "
        "plusieurs années à un panier d'échanges "
        "équilibré.",
        "A city and a rural territory commit for several years to a balanced basket of exchanges.",
    ),
    "governance.conference": _("Conférence des élus", "Conference of elected officials"),
    "governance.conference.help": _(
        "Les élus se réunissent, partagent leur diagnostic et "
        "montent des projets communs : la confiance grandit.",
        "Elected officials meet, share their diagnosis and build joint projects: trust grows.",
    ),
    "governance.merger": _("Fusion intercommunale", "Intercommunal merger"),
    "governance.merger.help": _(
        "Des territoires fusionnent en une intercommunalité : "
        "ressources, services et ingénierie mis en commun, parfois "
        "sans l'avoir voulu.",
        "Territories merge into one "
        "intercommunality: pooled resources, services and engineering, "
        "sometimes unwillingly.",
    ),
    "governance.real_epci": _("Intercommunalités réelles", "Real intercommunalities"),
    "governance.real_epci.help": _(
        "Chaque intercommunalité réelle du territoire mutualise ressources, services et "
        "ingénierie entre ses communes.",
        "Each real intercommunality pools resources, services and engineering among its communes.",
    ),
    "governance.call_for_projects": _("Appel à projets de l'État", "State call for projects"),
    "governance.call_for_projects.help": _(
        "Chaque année, l'État finance des projets ville-campagne : répondre demande de "
        "l'ingénierie, et les premiers à répondre sont servis jusqu'à épuisement du budget.",
        "Each year the State funds urban-rural projects: answering takes engineering, and the "
        "first to answer are served until the budget runs out.",
    ),
    "governance.scenario": _("Toutes les règles du scénario", "All the scenario's rules"),
    "governance.scenario.help": _(
        "Les institutions prévues par le fichier du scénario, ensemble et avec leurs réglages.",
        "The institutions of the scenario file, together and with their settings.",
    ),
    # --- shocks -------------------------------------------------------------------------------
    "shock.drought": _("Sécheresse", "Drought"),
    "shock.drought.help": _(
        "Récoltes et ressource en eau en baisse, surtout à la campagne.",
        "Harvests and water resources fall, mostly in the countryside.",
    ),
    "shock.grant_cut": _("Baisse des dotations", "Grant cut"),
    "shock.grant_cut.help": _(
        "L'État réduit les dotations aux collectivités : moins de budget.",
        "The State cuts grants to local authorities: less budget.",
    ),
    "shock.energy_crisis": _("Crise énergétique", "Energy crisis"),
    "shock.energy_crisis.help": _(
        "L'énergie se fait rare et chère : le bois-énergie local devient précieux.",
        "Energy becomes scarce and dear: local wood energy becomes precious.",
    ),
    "shock.health_crisis": _("Crise sanitaire", "Health crisis"),
    "shock.health_crisis.help": _(
        "Les besoins de soins bondissent, les hôpitaux saturent.",
        "Health care needs jump, hospitals are saturated.",
    ),
    "shock.ageing": _("Vieillissement", "Ageing"),
    "shock.ageing.help": _(
        "La population vieillit : plus de besoins de santé et de services.",
        "The population ages: more need for health care and services.",
    ),
    # --- kinds of territory and goods ---------------------------------------------------------
    "kind.metropolis": _("Métropole", "Metropolis"),
    "kind.town": _("Ville moyenne", "Town"),
    "kind.periurban": _("Périurbain", "Periurban"),
    "kind.rural": _("Rural", "Rural"),
    "kind.mountain": _("Montagne", "Mountain"),
    "kind.urban": _("Urbain", "Urban"),
    "good.food": _("Alimentation", "Food"),
    "good.energy": _("Énergie", "Energy"),
    "good.water": _("Eau", "Water"),
    "good.health": _("Santé", "Health care"),
    "good.mobility_jobs": _("Mobilité et emplois", "Mobility and jobs"),
    "good.waste_treatment": _("Traitement des déchets", "Waste treatment"),
    "good.amenities": _("Aménités (paysages, loisirs)", "Amenities (landscape, leisure)"),
    "good.money": _("Argent", "Money"),
    # --- views --------------------------------------------------------------------------------
    "view.map": _("Carte des territoires", "Map of the territories"),
    "view.map.thinned": _(
        "Sur cette carte : les {shown} territoires les plus peuplés sur "
        "{total}, et les liens entre eux.",
        "On this map: the {shown} most "
        "populated territories of {total}, and the links between them.",
    ),
    "view.map.colour": _("Colorer par", "Colour by"),
    "view.map.by_epci": _(
        "Communes regroupées par intercommunalité (moyennes pondérées par la population).",
        "Communes grouped by intercommunality (population-weighted means).",
    ),
    "view.map.help": _(
        "Taille : population. Couleur : besoins satisfaits. Liens : confiance "
        "(couleur) et volume échangé (épaisseur).",
        "Size: population. Colour: needs met. Links: trust (colour) and volume exchanged (width).",
    ),
    "view.baskets": _("Les paniers : qui donne quoi à qui", "The baskets: who gives what to whom"),
    "view.baskets.help": _(
        "Valeur livrée au dernier pas (k€), par bien, entre types de territoires.",
        "Value delivered in the last step (k EUR), by good, between kinds of territory.",
    ),
    "view.log": _("Ce qui s'est passé", "What happened"),
    "legend.satisfaction_low": _("besoins non couverts", "needs unmet"),
    "legend.satisfaction_high": _("couverts", "met"),
    "legend.trust_low": _("méfiance", "distrust"),
    "legend.trust_high": _("confiance", "trust"),
    "word.population": _("Population", "Population"),
    "word.satisfaction": _("Besoins satisfaits", "Needs met"),
    "word.trust": _("Confiance", "Trust"),
    "word.volume": _("Volume échangé", "Volume exchanged"),
    "flow.gives": _("donne", "gives"),
    "flow.receives": _("reçoit", "receives"),
    "flow.empty": _("Aucun échange pour l'instant", "No exchange yet"),
    "log.step": _("mois {step}", "month {step}"),
    "log.empty": _("Rien à signaler pour l'instant.", "Nothing to report yet."),
    "log.shock": _(
        "Choc : {shock} (intensité {magnitude} %) sur {targets}.",
        "Shock: {shock} (magnitude {magnitude}%) on {targets}.",
    ),
    "log.targets.all": _("tous les territoires", "all territories"),
    "log.targets.kinds": _("les territoires de type {kinds}", "{kinds} territories"),
    "log.targets.class.urban": _("les territoires urbains", "urban territories"),
    "log.targets.class.rural": _("les territoires non urbains", "non-urban territories"),
    "log.targets.ids": _("les territoires {ids}", "territories {ids}"),
    "log.and": _("et", "and"),
    "status.step": _("mois {step} sur {steps}", "month {step} of {steps}"),
    "status.finished": _("scénario terminé", "scenario finished"),
    "status.timing": _(
        "dernier pas affiché en {total} ms (calcul {server} ms, dessin {draw} ms)",
        "last step shown in {total} ms (model {server} ms, drawing {draw} ms)",
    ),
    "resilience.recovered": _(
        "{shock} (mois {step}) : au plus bas {resistance} % du niveau "
        "d'avant ; rétablie en {months} mois.",
        "{shock} (month {step}): "
        "down to {resistance}% of the level before; recovered in {months} "
        "months.",
    ),
    "resilience.unshaken": _(
        "{shock} (mois {step}) : au plus bas {resistance} % du niveau "
        "d'avant ; la satisfaction est restée dans la marge de 5 %.",
        "{shock} (month {step}): down to {resistance}% of the level "
        "before; satisfaction stayed within the 5% band.",
    ),
    "resilience.not_recovered": _(
        "{shock} (mois {step}) : au plus bas {resistance} % du niveau "
        "d'avant ; pas (encore) rétablie.",
        "{shock} (month {step}): down to {resistance}% of the level before; not recovered (yet).",
    ),
    "resilience.pending": _("{shock} : frappe au mois {step}.", "{shock}: hits in month {step}."),
    "resilience.unmeasurable": _(
        "{shock} (mois {step}) : pas de niveau d'avant pour comparer.",
        "{shock} (month {step}): no level before to compare with.",
    ),
    # --- scenarios shipped in configs/ (else the file's name and description are shown) -------
    "scenario.demo.title": _("Démo : métropole et environs", "Demo: metropolis and surroundings"),
    "scenario.demo.description": _(
        "15 territoires (métropole, villes moyennes, périurbain, "
        "rural, montagne) ; une sécheresse au mois 24.",
        "15 territories (metropolis, towns, periurban, rural, mountain); a drought in month 24.",
    ),
    "scenario.combined.title": _("Trois institutions ensemble", "Three institutions together"),
    "scenario.combined.description": _(
        "Une conférence des élus, une intercommunalité et un "
        "contrat de réciprocité en même temps ; une sécheresse "
        "au mois 24.",
        "A conference of elected officials, an "
        "intercommunality and a reciprocity contract together; a "
        "drought in month 24.",
    ),
    "scenario.conference.title": _("Conférence des élus", "Conference of elected officials"),
    "scenario.conference.description": _(
        "Un territoire de projet de 14 territoires autour "
        "d'une métropole : ses élus se réunissent chaque "
        "trimestre ; une sécheresse au mois 24.",
        "A project "
        "territory of 14 territories around a metropolis: its "
        "elected officials meet every quarter; a drought in "
        "month 24.",
    ),
    "scenario.france_scale.title": _(
        "La France entière (35 000 territoires)", "All of France (35,000 territories)"
    ),
    "scenario.france_scale.description": _(
        "Un banc d'essai à grande échelle : 35 000 "
        "territoires, une dizaine de liens chacun. La carte "
        "montre les plus peuplés.",
        "A large-scale "
        "benchmark: 35,000 territories, about 10 links each. "
        "The map shows the most populated.",
    ),
    "scenario.puy_de_dome.title": _("Le Puy-de-Dôme", "The Puy-de-Dôme"),
    "scenario.puy_de_dome.description": _(
        "Les 463 communes réelles du Puy-de-Dôme : Clermont Auvergne Métropole, les villes, "
        "le périurbain et le Massif central.",
        "The 463 real communes of the Puy-de-Dôme: Clermont Auvergne Métropole, the towns, "
        "the periurban ring and the Massif central.",
    ),
    "scenario.puy_de_dome_epci.title": _(
        "Le Puy-de-Dôme et ses intercommunalités", "The Puy-de-Dôme and its intercommunalities"
    ),
    "scenario.puy_de_dome_epci.description": _(
        "Les 463 communes et leurs 14 intercommunalités réelles, qui mutualisent.",
        "The 463 communes and their 14 real intercommunalities, which pool.",
    ),
    "scenario.auvergne_rhone_alpes.title": _(
        "La région Auvergne-Rhône-Alpes", "The Auvergne-Rhône-Alpes region"
    ),
    "scenario.auvergne_rhone_alpes.description": _(
        "Une intercommunalité réelle par territoire : Lyon, Grenoble, Saint-Étienne, "
        "Clermont, les Alpes et le Massif central.",
        "One real intercommunality per territory: Lyon, Grenoble, Saint-Étienne, Clermont, "
        "the Alps and the Massif central.",
    ),
    "scenario.france.title": _(
        "La France réelle (34 851 communes)", "Real France (34,851 communes)"
    ),
    "scenario.france.description": _(
        "Toutes les communes habitées de France, avec leurs vrais noms et leurs liens.",
        "Every inhabited commune of France, with its real name and links.",
    ),
    "scenario.clermont_sancy.title": _(
        "Clermont et le massif du Sancy", "Clermont and the Sancy massif"
    ),
    "scenario.clermont_sancy.description": _(
        "Les 68 communes réelles de Clermont Auvergne Métropole et du Sancy, pour un jeu.",
        "The 68 real communes of Clermont Auvergne Métropole and the Sancy, for a game.",
    ),
    "scenario.merger_forced.title": _("Fusion imposée", "Forced merger"),
    "scenario.merger_forced.description": _(
        "Sept territoires autour d'une métropole fusionnent "
        "par décision de l'État ; baisse des dotations des "
        "territoires ruraux et de montagne au mois 24.",
        "Seven territories around a metropolis are merged "
        "by decree; a grant cut on rural and mountain "
        "territories in month 24.",
    ),
    "scenario.merger_voluntary.title": _("Fusion volontaire", "Voluntary merger"),
    "scenario.merger_voluntary.description": _(
        "Sept territoires autour d'une métropole "
        "fusionnent de leur plein gré ; baisse des "
        "dotations des territoires ruraux et de montagne "
        "au mois 24.",
        "Seven territories around a "
        "metropolis merge of their own will; a grant cut "
        "on rural and mountain territories in month 24.",
    ),
    "scenario.reciprocity_contract.title": _("Contrat de réciprocité", "Reciprocity contract"),
    "scenario.reciprocity_contract.description": _(
        "Une métropole et un territoire rural "
        "éloigné signent un contrat de réciprocité ; "
        "une sécheresse au mois 24.",
        "A metropolis "
        "and a distant rural territory sign a "
        "reciprocity contract; a drought in month "
        "24.",
    ),
    "scenario.sample_csv.title": _(
        "Douze intercommunalités (fichiers CSV)", "Twelve intercommunalities (CSV files)"
    ),
    "scenario.sample_csv.description": _(
        "Douze intercommunalités lues dans des fichiers CSV ; "
        "une sécheresse sur les territoires ruraux et de "
        "montagne au mois 12.",
        "Twelve intercommunalities "
        "read from CSV files; a drought on rural and mountain "
        "territories in month 12.",
    ),
    # --- charts and their series --------------------------------------------------------------
    "chart.satisfaction": _(
        "Besoins satisfaits, par type de territoire", "Needs met, by kind of territory"
    ),
    "chart.trust": _("Confiance", "Trust"),
    "chart.equity": _(
        "Équité entre territoires (0 : égalité)", "Equity between territories (0: equality)"
    ),
    "chart.resilience": _(
        "Résilience : la chute et le rétablissement après un choc",
        "Resilience: the fall and the recovery after a shock",
    ),
    "series.trust_mean": _("Confiance moyenne", "Mean trust"),
    "series.trust_urban_rural": _("Confiance ville-campagne", "Urban-rural trust"),
    "series.gini": _("Indice de Gini", "Gini index"),
    "series.theil": _("Indice de Theil", "Theil index"),
    "series.urban_rural_gap": _("Écart urbain-rural", "Urban-rural gap"),
    "series.satisfaction_mean": _("Satisfaction moyenne", "Mean satisfaction"),
    "series.satisfaction_min": _("Territoire le moins bien servi", "Worst-off territory"),
    "series.trust_within_kind": _(
        "Confiance entre territoires semblables", "Trust between similar territories"
    ),
    "series.fiscal_health": _("Santé budgétaire", "Fiscal health"),
    "series.capital": _("Équipements publics (capital)", "Public capital"),
    "chart.exchanges": _(
        "Valeur échangée par mois (k€), par canal", "Value exchanged per month (k EUR), by channel"
    ),
    "channel.bilateral": _("Échanges au cas par cas", "Ad hoc deals"),
    "channel.contract": _("Contrats de réciprocité", "Reciprocity contracts"),
    "channel.conference": _("Projets de la conférence", "Conference projects"),
    "channel.merger": _("Mutualisation (fusion)", "Pooling (merger)"),
}
"""Every word of the trainers' page, by key."""


def payload() -> dict[str, Any]:
    """The dictionary as served at ``/api/i18n``: languages, default and every key."""
    return {"languages": list(LANGUAGES), "default": DEFAULT_LANGUAGE, "keys": MESSAGES}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """Translate ``key`` into ``lang``, filling ``{name}`` placeholders from ``values``.

    An unknown key is returned unchanged (the page shows the same fallback).
    """
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang, entry[DEFAULT_LANGUAGE])
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def missing(keys: list[str] | set[str]) -> list[str]:
    """The keys among ``keys`` that the dictionary lacks, sorted."""
    return sorted(set(keys) - set(MESSAGES))


# =============================================================================================
# The baskets game
GOODS: dict[str, dict[str, str]] = {
    "food": _("alimentation", "food"),
    "energy": _("énergie", "energy"),
    "water": _("eau", "water"),
    "health": _("santé", "health care"),
    "mobility_jobs": _("mobilité et emplois", "mobility and jobs"),
    "waste_treatment": _("traitement des déchets", "waste treatment"),
    "amenities": _("cadre de vie et loisirs", "amenities"),
}
"""Names of the default goods (a scenario's own goods are shown by their id)."""

REASONS: dict[str, dict[str, str]] = {
    "balanced": _("équilibré et utile pour nous", "balanced and useful for us"),
    "favourable": _("avantageux pour nous", "favourable to us"),
    "unbalanced": _("trop déséquilibré pour nous", "too unbalanced for us"),
    "unbalanced_counter": _(
        "trop déséquilibré pour nous : nous donnerions moins",
        "too unbalanced for us: we would give less",
    ),
    "trust": _("confiance insuffisante", "not enough trust"),
    "trust_counter": _(
        "confiance insuffisante : commençons plus modestement ({years}, engagement {commitment})",
        "not enough trust: let us start smaller ({years}, commitment {commitment})",
    ),
    "cannot_give": _(
        "nous ne pouvons pas fournir autant de {good}", "we cannot supply that much {good}"
    ),
    "no_need": _("nous n'avons pas besoin de ce que vous offrez", "we do not need what you offer"),
    "engineering": _(
        "pas assez d'ingénierie pour suivre ce contrat : un panier plus petit",
        "not enough engineering staff to run this contract: a smaller basket",
    ),
    "engineering_refuse": _(
        "pas assez d'ingénierie pour suivre ce contrat",
        "not enough engineering staff to run this contract",
    ),
    "nothing_left": _("plus rien à échanger après ajustement", "nothing left to exchange"),
    "player": _("décision de l'équipe", "the team's decision"),
    "proposal": _(
        "nous pouvons offrir : {surplus} ; il nous manque : {deficit}",
        "we can offer: {surplus}; we lack: {deficit}",
    ),
}
"""Why an agent accepts, counters or refuses (and why it proposes)."""

ERRORS: dict[str, dict[str, str]] = {
    "unknown_player": _(
        "l'équipe « {player} » ne joue pas dans cette partie (équipes : {allowed})",
        "team “{player}” is not in this game (teams: {allowed})",
    ),
    "unknown_territory": _(
        "aucun territoire « {territory} » dans ce scénario",
        "no territory “{territory}” in this scenario",
    ),
    "territory_taken": _(
        "le territoire {territory} est déjà joué par l'équipe « {player} »",
        "territory {territory} is already played by team “{player}”",
    ),
    "no_players": _("il faut au moins une équipe", "at least one team is needed"),
    "bad_team_name": _(
        "nom d'équipe invalide « {team} » : de 1 à 60 caractères, sans caractère de contrôle",
        "invalid team name “{team}”: 1 to 60 characters, no control character",
    ),
    "duplicate_team": _(
        "deux équipes portent le nom « {team} » : donnez-leur des noms différents",
        "two teams are named “{team}”: give them different names",
    ),
    "unknown_partner": _(
        "« {partner} » n'est pas un partenaire de {territory} (partenaires : {allowed})",
        "“{partner}” is not a partner of {territory} (partners: {allowed})",
    ),
    "self_offer": _(
        "un territoire ne peut pas s'adresser une offre à lui-même",
        "a territory cannot make an offer to itself",
    ),
    "unknown_good": _(
        "bien inconnu « {good} » (biens : {allowed})", "unknown good “{good}” (goods: {allowed})"
    ),
    "bad_quantity": _(
        "quantité de {good} invalide : « {value} » (un nombre positif ou nul est attendu)",
        "invalid quantity of {good}: “{value}” (a number >= 0 is expected)",
    ),
    "negative_quantity": _(
        "quantité négative de {good} : {value}", "negative quantity of {good}: {value}"
    ),
    "cannot_produce": _(
        "{territory} ne produit pas de {good}", "{territory} does not produce {good}"
    ),
    "too_much": _(
        "{territory} produit au plus {capacity} unités de {good} par mois "
        "({committed} déjà promises) : {value} est trop",
        "{territory} produces at "
        "most {capacity} units of {good} a month ({committed} already promised): "
        "{value} is too much",
    ),
    "empty_basket": _(
        "le panier est vide : il faut donner et demander quelque chose",
        "the basket is empty: give something and ask for something",
    ),
    "one_sided": _(
        "une transaction réciproque : il faut donner et demander",
        "a reciprocal transaction: give something and ask for something",
    ),
    "bad_duration": _(
        "durée invalide : « {value} » (de 1 mois à {max_years} ans)",
        "invalid duration: “{value}” (1 month to {max_years} years)",
    ),
    "bad_commitment": _(
        "engagement invalide : « {value} » (entre 0 et 1)",
        "invalid commitment: “{value}” (between 0 and 1)",
    ),
    "stale_round": _(
        "le tour {round} est terminé (tour en cours : {current}) : rechargez la page",
        "round {round} is over (current round: {current}): reload the page",
    ),
    "stale_version": _(
        "la partie a changé depuis (version {current}, vous aviez {version}) : rechargez la page",
        "the game has changed since (version {current}, you had {version}): reload the page",
    ),
    "game_over": _("la partie est terminée", "the game is over"),
    "nothing_to_undo": _(
        "rien à annuler : seuls la clôture d'un tour et un choc déclenché s'annulent, tant "
        "qu'aucune équipe n'a agi depuis",
        "nothing to undo: only closing a round and triggering a shock can be undone, while no "
        "team has acted since",
    ),
    "unknown_offer": _("aucune offre n°{offer}", "no offer #{offer}"),
    "not_yours": _(
        "l'offre n°{offer} n'est pas adressée à l'équipe « {player} »",
        "offer #{offer} is not addressed to team “{player}”",
    ),
    "not_sender": _(
        "l'offre n°{offer} n'a pas été faite par l'équipe « {player} »",
        "offer #{offer} was not made by team “{player}”",
    ),
    "already_answered": _(
        "l'offre n°{offer} a déjà reçu une réponse ({status})",
        "offer #{offer} has already been answered ({status})",
    ),
    "bad_decision": _(
        "réponse inconnue « {decision} » (accepter, contre-proposer ou refuser)",
        "unknown answer “{decision}” (accept, counter or refuse)",
    ),
    "unknown_action": _("action inconnue « {action} »", "unknown action “{action}”"),
    "bad_action": _("action mal formée : {detail}", "malformed action: {detail}"),
    "unknown_shock": _(
        "choc inconnu « {kind} » (chocs : {allowed})", "unknown shock “{kind}” (shocks: {allowed})"
    ),
    "bad_file": _("fichier de partie illisible : {detail}", "unreadable game file: {detail}"),
    "replay_mismatch": _(
        "la partie rejouée diffère de la partie enregistrée ({detail})",
        "the replayed game differs from the saved one ({detail})",
    ),
    "bad_setting": _("paramètre de partie invalide : {detail}", "invalid game setting: {detail}"),
}
"""Messages of :class:`~terrisim.game.errors.GameError`, by code."""


FIELD_ERRORS: dict[str, dict[str, str]] = {
    "missing": _("il manque le champ « {field} »", "field “{field}” is missing"),
    "refused": _(
        "champ « {field} » : valeur {value} refusée ({allowed})",
        "field “{field}”: value {value} refused ({allowed})",
    ),
    "unknown": _(
        "champ « {field} » : valeur {value} refusée", "field “{field}”: value {value} refused"
    ),
    "more": _("{text} (et {n} autre(s) erreur(s))", "{text} (and {n} more error(s))"),
}
"""A refused field of a saved game (see :mod:`terrisim.game.saved`): its name and its value."""

ALLOWED: dict[str, dict[str, str]] = {
    "int": _("un nombre entier est attendu", "a whole number is expected"),
    "number": _("un nombre est attendu", "a number is expected"),
    "text": _("un texte est attendu", "a text is expected"),
    "bool": _("true ou false est attendu", "true or false is expected"),
    "object": _("un objet JSON est attendu", "a JSON object is expected"),
    "list": _("une liste [...] est attendue", "a list [...] is expected"),
    "extra": _("champ inconnu", "unknown field"),
    "ge": _("au moins {limit}", "at least {limit}"),
    "gt": _("plus de {limit}", "more than {limit}"),
    "le": _("au plus {limit}", "at most {limit}"),
    "lt": _("moins de {limit}", "less than {limit}"),
    "min_length": _("au moins {limit} élément(s)", "at least {limit} item(s)"),
    "max_length": _("au plus {limit} élément(s)", "at most {limit} item(s)"),
    "literal": _("valeurs permises : {limit}", "allowed: {limit}"),
}
"""What a field allows, by pydantic error type (see :func:`terrisim.game.saved.field_error`)."""


def good_name(good: str, language: str) -> str:
    """The name of a good in a language (its id for goods outside the default catalogue)."""
    return GOODS.get(good, {}).get(language, good.replace("_", " "))


def render(
    table: dict[str, dict[str, str]], code: str, language: str, fields: dict[str, Any]
) -> str:
    """Fill the sentence ``table[code][language]`` with ``fields``.

    Goods (``good``, ``surplus``, ``deficit``: a name or a list of names) are translated; a
    sentence that cannot be filled falls back to the code and the fields.
    """
    values = {  # a field may itself be written in each language: {"fr": ..., "en": ...}
        key: value[language] if isinstance(value, dict) and language in value else value
        for key, value in fields.items()
    }
    for key, value in values.items():  # numbers written the language's way: 11,2 ; 1 an
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        values[key] = years(value, language) if key == "years" else number(value, language)
    for key in ("good", "surplus", "deficit"):
        if key in values:
            names = values[key] if isinstance(values[key], list | tuple) else [values[key]]
            values[key] = ", ".join(good_name(str(g), language) for g in names)
    template = table.get(code, {}).get(language)
    if template is None:
        return f"{code}: {values}"
    try:
        return template.format(**values)
    except (KeyError, ValueError, IndexError):
        return f"{code}: {values}"


def bilingual(table: dict[str, dict[str, str]], code: str, **fields: Any) -> dict[str, str]:
    """``{"fr": ..., "en": ...}`` for a sentence of ``table``."""
    return {lang: render(table, code, lang, fields) for lang in ("fr", "en")}


TIMELINE: dict[str, dict[str, str]] = {
    "offer": _(
        "{sender} propose à {receiver} : donne {give} ; demande {ask} ; {years}, "
        "engagement {commitment}",
        "{sender} offers {receiver}: gives {give}; asks {ask}; {years}, commitment {commitment}",
    ),
    "accept": _("{who} accepte l'offre n°{offer}", "{who} accepts offer #{offer}"),
    "refuse": _("{who} refuse l'offre n°{offer}", "{who} refuses offer #{offer}"),
    "counter": _(
        "{who} fait une contre-proposition à l'offre n°{offer}", "{who} counters offer #{offer}"
    ),
    "withdraw": _("{who} retire l'offre n°{offer}", "{who} withdraws offer #{offer}"),
    "shock": _(
        "Le formateur déclenche un choc : {kind} (intensité {magnitude})",
        "The trainer triggers a shock: {kind} (magnitude {magnitude})",
    ),
    "end_round": _(
        "Fin du tour {round} : {months} mois simulés",
        "End of round {round}: {months} months simulated",
    ),
    "agent": _("{name} (agent)", "{name} (agent)"),
    "team": _("{team} ({name})", "{team} ({name})"),
    "expired": _("l'offre n°{offer} expire sans réponse", "offer #{offer} expires unanswered"),
    "undone": _("Annulé par le formateur : {action}", "Undone by the trainer: {action}"),
}
"""Sentences of the session's timeline (the debrief's replay)."""

SHOCKS: dict[str, dict[str, str]] = {
    "drought": _("sécheresse", "drought"),
    "grant_cut": _("baisse des dotations", "State grant cut"),
    "energy_crisis": _("crise énergétique", "energy crisis"),
    "health_crisis": _("crise sanitaire", "health crisis"),
    "ageing": _("vieillissement", "ageing"),
}


def number(value: float, language: str, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, with a decimal comma in French.

    ``number(11.2, "fr") == "11,2"``, ``number(1.0, "fr") == "1"``; from 1,000 on, whole
    numbers grouped by thousands (``"1 234"`` with a narrow no-break space in French).
    """
    if not isinstance(value, int) and not math.isfinite(value):
        return str(value)
    if abs(value) >= 1000:  # an int of 400 digits too (as sent: cut short, never a float)
        text = shown(f"{round(value):,}")
        return text.replace(",", "\u202f") if language == "fr" else text
    text = f"{value:.{digits}g}"
    return text.replace(".", ",") if language == "fr" else text


def years(value: float, language: str) -> str:
    """A duration in years: ``"1 an"``, ``"1,5 an"``, ``"2 ans"``; ``"1 year"``, ``"2 years"``.

    French puts the singular below 2 (« 1,5 an »), English only for exactly 1.
    """
    text = number(value, language)
    if language == "fr":
        return f"{text} an" if abs(value) < 2 else f"{text} ans"
    return f"{text} year" if value == 1 else f"{text} years"


def basket_text(basket: dict[str, float], language: str) -> str:
    """``"5 santé, 10 alimentation"``: a basket in words."""
    if not basket:
        return "-"
    return ", ".join(f"{number(v, language)} {good_name(g, language)}" for g, v in basket.items())


WORDS: dict[str, dict[str, str]] = {
    # --- page ---------------------------------------------------------------------------------
    "game.title": _("Le jeu des paniers", "The baskets game"),
    "game.subtitle": _(
        "Paniers de transactions réciproques entre territoires urbains et ruraux",
        "Baskets of reciprocal transactions between urban and rural territories",
    ),
    "game.to_simulation": _("Simulation", "Simulation"),
    "game.status": _(
        "tour {round} sur {rounds} · mois {step}", "round {round} of {rounds} · month {step}"
    ),
    "game.finished": _("partie terminée · mois {step}", "game over · month {step}"),
    "game.consequences": _("Conséquences, tour après tour", "Consequences, round after round"),
    "game.agreements": _("Contrats de réciprocité signés", "Reciprocity contracts signed"),
    "game.map": _("Carte des territoires", "Map of the territories"),
    # --- set-up -------------------------------------------------------------------------------
    "setup.title": _("Préparer une partie", "Prepare a game"),
    "setup.help": _(
        "Choisissez un scénario, le nombre de tours et le temps simulé entre deux "
        "tours, puis attribuez des territoires aux équipes. Les autres territoires "
        "sont joués par la simulation (des agents).",
        "Choose a scenario, the "
        "number of rounds and the time simulated between rounds, then give "
        "territories to the teams. The other territories are played by the "
        "simulation (agents).",
    ),
    "setup.rounds": _("Nombre de tours", "Number of rounds"),
    "setup.years_per_round": _("Années simulées par tour", "Years simulated per round"),
    "setup.teams": _("Les équipes", "The teams"),
    "setup.map.help": _(
        "Cliquez une commune ou une intercommunalité de la carte : elle va à l'équipe dont "
        "vous avez ouvert le menu en dernier.",
        "Click a commune or an intercommunality on the map: it goes to the team whose menu "
        "you opened last.",
    ),
    "setup.teams.help": _(
        "Une équipe par territoire. Chaque équipe reçoit un lien : sur cet "
        "écran, ou dans son propre navigateur sur le réseau de la salle.",
        "One team per territory. Each team gets a link: on this screen, or "
        "in its own browser on the room's network.",
    ),
    "setup.add_team": _("Ajouter une équipe", "Add a team"),
    "setup.remove_team": _("Retirer", "Remove"),
    "setup.start": _("Commencer la partie", "Start the game"),
    "setup.load": _("Reprendre une partie enregistrée", "Resume a saved game"),
    "setup.load.help": _(
        "Un fichier enregistré par le bouton « Enregistrer la partie » : la "
        "partie est rejouée à l'identique.",
        "A file saved with the “Save the game” button: the game is replayed identically.",
    ),
    # --- the trainer --------------------------------------------------------------------------
    "trainer.title": _("Animation", "Facilitation"),
    "trainer.help": _(
        "Quand les équipes ont négocié, clôturez le tour : la simulation fait "
        "vivre les contrats signés pendant la période, avec les chocs du scénario "
        "et ceux que vous déclenchez.",
        "When the teams have negotiated, close "
        "the round: the simulation runs the signed contracts through the period, "
        "with the scenario's shocks and those you trigger.",
    ),
    "trainer.end_round": _(
        "Clore le tour {round} et simuler {months} mois",
        "Close round {round} and simulate {months} months",
    ),
    "trainer.over": _("Partie terminée", "Game over"),
    "trainer.end_game": _("Terminer la partie", "End the game"),
    "trainer.timer": _("Minuteur du tour :", "Round timer:"),
    "trainer.timer.minutes": _("min", "min"),
    "trainer.timer.start": _("Lancer", "Start"),
    "trainer.timer.stop": _("Arrêter", "Stop"),
    "timer.left": _("Temps restant : {time}", "Time left: {time}"),
    "timer.over": _("Temps écoulé !", "Time is up!"),
    "trainer.message": _("Message aux équipes :", "Message to the teams:"),
    "trainer.message.all": _("toutes les équipes", "every team"),
    "trainer.message.send": _("Envoyer", "Send"),
    "trainer.message.sent": _("Message envoyé à {to}.", "Message sent to {to}."),
    "message.from": _(
        "Message du formateur ({time}) : {text}", "From the trainer ({time}): {text}"
    ),
    "trainer.end_round.confirm": _(
        "Clore le tour {round} ? Les offres sans réponse expirent et la simulation avance de "
        "{months} mois ; vous pourrez l'annuler tant qu'aucune équipe n'aura agi.",
        "Close round {round}? Unanswered offers expire and the simulation runs {months} "
        "months; you can undo it until a team acts.",
    ),
    "trainer.shock.confirm": _(
        "Déclencher le choc « {shock} » maintenant ? Il frappe dès le mois suivant ; vous "
        "pourrez l'annuler tant qu'aucune équipe n'aura agi.",
        "Trigger the shock “{shock}” now? It hits from the next month; you can undo it until "
        "a team acts.",
    ),
    "trainer.undo.end_round": _(
        "Annuler la clôture du tour {round}", "Undo the closing of round {round}"
    ),
    "trainer.undo.shock": _("Annuler le choc « {shock} »", "Undo the shock “{shock}”"),
    "notice.undo.end_round": _(
        "Clôture du tour {round} annulée : la simulation est revenue au mois {step}, le tour "
        "{round} reprend et ses offres sans réponse sont de nouveau ouvertes.",
        "Closing of round {round} undone: the simulation is back at month {step}, round "
        "{round} goes on and its unanswered offers are open again.",
    ),
    "notice.undo.shock": _(
        "Choc « {shock} » annulé : il ne frappera pas.",
        "Shock “{shock}” undone: it will not hit.",
    ),
    "error.bad_file": _(
        "« {name} » n'est pas un fichier de partie terrisim (ce n'est pas du JSON lisible) : "
        "choisissez le fichier .json enregistré par « Enregistrer la partie ».",
        "“{name}” is not a terrisim game file (not readable JSON): choose the .json file "
        "saved by “Save the game”.",
    ),
    "page.print": _("Imprimer le débriefing", "Print the debrief"),
    "trainer.end_game.confirm": _(
        "Terminer la partie maintenant ? Plus aucune offre ni aucun tour ne sera possible ; "
        "le débriefing s'ouvre aux équipes.",
        "End the game now? No more offers or rounds; the debrief opens to the teams.",
    ),
    "game.reconnecting": _(
        "Connexion au serveur perdue : reconnexion en cours… (la partie est enregistrée)",
        "Lost the connection to the server: reconnecting… (the game is saved)",
    ),
    "game.reconnected": _(
        "Connexion rétablie : la partie reprend où elle en était.",
        "Connection restored: the game goes on where it was.",
    ),
    "trainer.shock": _("Déclencher un choc :", "Trigger a shock:"),
    "trainer.debrief": _("Débriefing", "Debrief"),
    "trainer.save": _("Enregistrer la partie", "Save the game"),
    "trainer.teams": _("Les équipes", "The teams"),
    "trainer.waiting": _("offres en attente", "offers waiting"),
    "trainer.made": _("offres faites ce tour", "offers made this round"),
    "trainer.open_here": _("Ouvrir ici", "Open here"),
    "trainer.link": _("lien de l'équipe", "team's link"),
    "trainer.code": _("Code", "Code"),
    "trainer.qr": _("QR code", "QR code"),
    "trainer.join": _(
        "Pour rejoindre la partie, chaque équipe ouvre {address} et tape son code (ou scanne "
        "son QR code).",
        "To join the game, each team opens {address} and types its code (or scans its QR code).",
    ),
    "trainer.join.close": _("Fermer", "Close"),
    "join.title": _("Rejoindre une partie", "Join a game"),
    "join.help": _(
        "Tapez le code de votre équipe que le formateur affiche (6 caractères).",
        "Type your team's code shown by the trainer (6 characters).",
    ),
    "join.code": _("Code de l'équipe", "Team's code"),
    "join.go": _("Rejoindre", "Join"),
    "join.trainer_only": _(
        "Préparer une partie est réservé au formateur (le lien de connexion affiché par "
        "« terrisim ui »).",
        "Preparing a game is for the trainer (the login link printed by “terrisim ui”).",
    ),
    "trainer.links.help": _(
        "« Ouvrir ici » affiche la vue de l'équipe sur cet écran ; le lien "
        "de l'équipe s'ouvre dans un autre navigateur de la salle (serveur "
        "lancé avec --host 0.0.0.0).",
        "“Open here” shows the team's view "
        "on this screen; the team's link opens in another browser of the "
        "room (server started with --host 0.0.0.0).",
    ),
    "trainer.loopback": _(
        "Le serveur n'écoute que cet ordinateur ({host}) : ces liens et ces codes ne "
        "marchent qu'ici. Pour un navigateur par équipe, relancez « terrisim ui --host "
        "0.0.0.0 ».",
        "The server listens on this computer only ({host}): these links and codes work "
        "here only. For one browser per team, start “terrisim ui --host 0.0.0.0” again.",
    ),
    "trainer.offers": _("Toutes les offres", "Every offer"),
    "trainer.journal": _("Journal de la partie", "Game log"),
    "trainer.journal.help": _(
        "Les tours clos et les chocs déclenchés, dans l'ordre, avec ce que le formateur a annulé.",
        "Rounds closed and shocks triggered, in order, with what the trainer undid.",
    ),
    # --- a team -------------------------------------------------------------------------------
    "player.title": _("{team} : {name} ({kind})", "{team}: {name} ({kind})"),
    "player.summary": _(
        "Besoins satisfaits : {satisfaction} · réserves : {reserve} k€ · santé "
        "budgétaire : {health}",
        "Needs met: {satisfaction} · reserves: {reserve} k EUR · fiscal health: {health}",
    ),
    "player.back_trainer": _("Retour à l'animation", "Back to facilitation"),
    "player.territory": _("Votre territoire, par mois", "Your territory, per month"),
    "player.goods.help": _(
        "Besoin et production par mois (unités) ; + : surplus à offrir, - : "
        "manque ; « promis » et « attendu » : par les contrats signés.",
        "Need and production per month (units); +: surplus to offer, -: "
        "lack; “promised” and “expected”: by the contracts signed.",
    ),
    "player.budget": _(
        "Budget par mois : recettes {revenue} k€, dépenses {spending} k€, "
        "réserves {reserve} k€. Ingénierie : {engineering} k€ de contrats par mois"
        " au plus, dont {used} déjà engagés.",
        "Budget per month: revenue "
        "{revenue} k EUR, spending {spending} k EUR, reserves {reserve} k EUR. "
        "Engineering: at most {engineering} k EUR of contracts a month, {used} "
        "already committed.",
    ),
    "player.compose": _("Composer un panier", "Compose a basket"),
    "player.compose.help": _(
        "Ce que vous donnez et ce que vous demandez chaque mois, pendant la "
        "durée du contrat. Un territoire joué par la simulation répond tout "
        "de suite, et dit pourquoi.",
        "What you give and what you ask each "
        "month, for the length of the contract. A territory played by the "
        "simulation answers at once, and says why.",
    ),
    "player.countering": _("Contre-proposition à l'offre n°{id}", "Counter-offer to offer #{id}"),
    "player.cancel_counter": _("Annuler la contre-proposition", "Cancel the counter-offer"),
    "player.partner": _("Partenaire", "Partner"),
    "player.partner_hint": _(
        "Ce partenaire peut offrir : {offer}. Il lui manque : {lacks}.",
        "This partner can offer: {offer}. It lacks: {lacks}.",
    ),
    "player.i_give": _("Je donne / mois", "I give / month"),
    "player.i_ask": _("Je demande / mois", "I ask / month"),
    "player.years": _("Durée (années)", "Duration (years)"),
    "player.commitment": _("Engagement politique", "Political commitment"),
    "player.commitment.help": _(
        "Plus l'engagement est fort, plus chacun livre même quand il est "
        "lui-même en difficulté, mais plus il faut de confiance pour "
        "signer.",
        "The stronger the commitment, the more each side "
        "delivers even when in difficulty itself, but the more trust "
        "it takes to sign.",
    ),
    "player.offer_summary": _(
        "Valeur donnée : {give} k€/mois · valeur demandée : {ask} k€/mois · équilibre : {balance}",
        "Value given: {give} k EUR/month · value asked: {ask} k EUR/month · balance: {balance}",
    ),
    "player.send": _("Envoyer l'offre", "Send the offer"),
    "player.received": _("Offres reçues", "Offers received"),
    "player.partners": _("Vos partenaires", "Your partners"),
    "player.history": _("Vos offres et leurs réponses", "Your offers and their answers"),
    "partner.trust_mine": _("ma confiance", "my trust"),
    "partner.trust_theirs": _("leur confiance", "their trust"),
    "partner.can_offer": _("peut offrir / mois", "can offer / month"),
    "partner.lacks": _("manque / mois", "lacks / month"),
    "goods.need": _("besoin", "need"),
    "goods.production": _("production", "production"),
    "goods.balance": _("surplus (+) / manque (-)", "surplus (+) / lack (-)"),
    "goods.promised": _("promis", "promised"),
    "goods.expected": _("attendu", "expected"),
    # --- offers -------------------------------------------------------------------------------
    "offer.number": _("Offre n°{id}", "Offer #{id}"),
    "offer.round": _("tour {round}", "round {round}"),
    "unit.year": _("{n} an", "{n} year"),
    "unit.years": _("{n} ans", "{n} years"),
    "offer.counter_of": _("contre-proposition à l'offre n°{id}", "counter-offer to #{id}"),
    "offer.gives": _("donne chaque mois", "gives each month"),
    "offer.gives_back": _("donne en retour", "gives in return"),
    "offer.terms": _(
        "{years}, engagement {commitment} · {give} k€ contre {ask} k€ par "
        "mois · équilibre {balance}",
        "{years}, commitment {commitment} · {give} against {ask} k EUR a month · balance {balance}",
    ),
    "offers.none": _("Aucune offre pour l'instant.", "No offer yet."),
    "offers.none_received": _("Aucune offre en attente.", "No offer waiting."),
    "offers.sent": _("Offre n°{id} envoyée. {answer}", "Offer #{id} sent. {answer}"),
    "offers.waiting": _("L'équipe partenaire répondra.", "The partner team will answer."),
    "status.open": _("en attente", "waiting"),
    "status.accepted": _("acceptée", "accepted"),
    "status.refused": _("refusée", "refused"),
    "status.countered": _("contre-proposition", "countered"),
    "status.withdrawn": _("retirée", "withdrawn"),
    "status.expired": _("expirée", "expired"),
    "decision.accept": _("{who} accepte", "{who} accepts"),
    "decision.counter": _("{who} fait une contre-proposition", "{who} counters"),
    "decision.refuse": _("{who} refuse", "{who} refuses"),
    "btn.accept": _("Accepter", "Accept"),
    "btn.counter": _("Contre-proposer", "Counter"),
    "btn.refuse": _("Refuser", "Refuse"),
    "btn.withdraw": _("Retirer l'offre", "Withdraw"),
    "notice.accept": _(
        "Offre n°{id} acceptée : le contrat commence le mois prochain.",
        "Offer #{id} accepted: the contract starts next month.",
    ),
    "notice.refuse": _("Offre n°{id} refusée.", "Offer #{id} refused."),
    "notice.round": _(
        "La simulation a tourné. Tour {round} : à vous de négocier.",
        "The simulation has run. Round {round}: over to you.",
    ),
    "notice.ended": _(
        "Le formateur a terminé la partie : place au débriefing.",
        "The trainer ended the game: time for the debrief.",
    ),
    "notice.finished": _(
        "La partie est terminée : place au débriefing.", "The game is over: time for the debrief."
    ),
    "notice.shock": _(
        "Choc déclenché : {shock}. Il frappe dès le mois prochain.",
        "Shock triggered: {shock}. It hits from next month.",
    ),
    # --- agreements ---------------------------------------------------------------------------
    "agreement.none": _("Aucun contrat pour l'instant.", "No contract yet."),
    "agreement.parties": _("entre", "between"),
    "agreement.baskets": _("paniers (par mois, chaque sens)", "baskets (per month, each way)"),
    "agreement.when": _("mois, engagement", "months, commitment"),
    "agreement.months": _("mois {start} à {end}", "months {start} to {end}"),
    "agreement.balance": _("équilibre", "balance"),
    "agreement.perceived": _("perçu par chacun", "as each perceives it"),
    "agreement.delivered": _("livré", "delivered"),
    "agreement.status": _("état", "status"),
    "agreement.pending": _("commence", "starting"),
    "agreement.active": _("en cours", "running"),
    "agreement.ended": _("terminé", "ended"),
    "agreement.help": _(
        "Équilibre : la plus petite valeur sur la plus grande, aux prix de "
        "référence (100 % : parfaitement réciproque). Perçu : ce que chacun "
        "reçoit sur ce qu'il donne, avec ses représentations. Livré : la part "
        "de la valeur promise effectivement livrée.",
        "Balance: the smaller "
        "value over the larger, at reference prices (100 %: fully reciprocal). "
        "Perceived: what each receives over what it gives, through its "
        "representations. Delivered: the share of the promised value actually "
        "delivered.",
    ),
    # --- rounds and charts --------------------------------------------------------------------
    "rounds.none": _(
        "Les conséquences apparaissent à la fin du premier tour.",
        "Consequences show at the end of the first round.",
    ),
    "rounds.resistance": _(
        "{shock} (mois {step}) : la satisfaction est tombée à {resistance} de son niveau d'avant",
        "{shock} (month {step}): satisfaction fell to {resistance} of its level before",
    ),
    "chart.game_satisfaction": _(
        "Besoins satisfaits : moyenne, urbain, rural", "Needs met: mean, urban, rural"
    ),
    "chart.game_equity": _("Équité (0 : égalité)", "Equity (0: equality)"),
    "chart.game_exchanges": _("Valeur échangée par mois (k€)", "Value exchanged per month (k EUR)"),
    "chart.all_exchanges": _("Tous les échanges", "All exchanges"),
    "chart.my_territory": _("Mon territoire", "My territory"),
    "chart.debrief_satisfaction": _(
        "Besoins satisfaits (moyenne) selon la façon de jouer", "Needs met (mean) by way of playing"
    ),
    "chart.team": _("{team} : besoins satisfaits", "{team}: needs met"),
    "channel.game": _("Contrats du jeu", "Game contracts"),
    # --- debrief ------------------------------------------------------------------------------
    "debrief.title": _("Débriefing", "Debrief"),
    "debrief.help": _(
        "La même partie (mêmes territoires, même graine, mêmes chocs) comparée "
        "à deux autres façons de jouer : les agents de la simulation à la place "
        "des équipes, et aucun accord.",
        "The same game (same territories, seed "
        "and shocks) compared with two other ways of playing: the simulation's "
        "agents in the teams' place, and no agreement at all.",
    ),
    "debrief.back": _("Retour à la partie", "Back to the game"),
    "debrief.runs": _("Trois façons de jouer", "Three ways of playing"),
    "debrief.agreements_signed": _("Contrats signés", "Contracts signed"),
    "debrief.agreements": _(
        "Ce qui a été signé, et son équilibre", "What was signed, and how balanced it was"
    ),
    "debrief.territories": _(
        "Besoins satisfaits en moyenne, par territoire", "Needs met on average, by territory"
    ),
    "debrief.satisfaction_mean": _(
        "Besoins satisfaits, moyenne de la partie", "Needs met, mean over the game"
    ),
    "debrief.satisfaction_final": _("Besoins satisfaits, à la fin", "Needs met, at the end"),
    "debrief.satisfaction_urban_final": _("… territoires urbains", "… urban territories"),
    "debrief.satisfaction_rural_final": _("… territoires ruraux", "… rural territories"),
    "debrief.urban_rural_gap_final": _(
        "Écart urbain-rural, à la fin", "Urban-rural gap, at the end"
    ),
    "debrief.gini_final": _("Indice de Gini, à la fin", "Gini index, at the end"),
    "debrief.trust_urban_rural_final": _(
        "Confiance ville-campagne, à la fin", "Urban-rural trust, at the end"
    ),
    "debrief.agreements_value_delivered": _(
        "Valeur livrée par les contrats (k€)", "Value delivered by the contracts (k EUR)"
    ),
    "debrief.reciprocity_balance": _(
        "Équilibre des contrats (livré)", "Balance of the contracts (delivered)"
    ),
    "debrief.resistance": _(
        "{shock} (mois {step}) : niveau le plus bas / niveau d'avant",
        "{shock} (month {step}): lowest level / level before",
    ),
    "debrief.recovery": _("{shock} : temps de rétablissement", "{shock}: recovery time"),
    "debrief.months": _("{n} mois", "{n} months"),
    "debrief.not_recovered": _(
        "pas revenu au niveau d'avant en {n} mois", "not back to its level before within {n} months"
    ),
    "debrief.replay": _("Rejouer la partie", "Replay the game"),
    "debrief.replay.help": _(
        "Chaque action de la partie, dans l'ordre, avec les réponses des "
        "agents ; la courbe avance avec elle.",
        "Every action of the game, in order, with the agents' answers; the curve moves with it.",
    ),
    "debrief.replay.play": _("Rejouer", "Replay"),
    "debrief.replay.pause": _("Pause", "Pause"),
    "debrief.replay.position": _(
        "action {index} sur {total} · tour {round} · mois {step}",
        "action {index} of {total} · round {round} · month {step}",
    ),
    "debrief.replay.chart": _(
        "Besoins satisfaits jusqu'au mois {step}", "Needs met up to month {step}"
    ),
    # --- words --------------------------------------------------------------------------------
    "word.team": _("Équipe", "Team"),
    "word.territory": _("Territoire", "Territory"),
    "word.agent": _("simulation", "simulation"),
    "word.good": _("Bien ou service", "Good or service"),
    "word.price": _("prix (k€)", "price (k EUR)"),
    "word.distance": _("distance (km)", "distance (km)"),
    "word.round": _("Tour", "Round"),
    "word.months": _("mois", "months"),
    "word.urban": _("urbain", "urban"),
    "word.rural": _("rural", "rural"),
    "word.shocks": _("chocs", "shocks"),
}
"""Words of the game page (``static/game.html``, ``game.js``), served with the trainers' page's
dictionary at ``/api/game/i18n``; the page also uses that dictionary's words (kinds, goods,
shocks, series, legends)."""


# =============================================================================================
# A run's event log
EVENTS: dict[str, dict[str, str]] = {
    "shock": {
        "fr": "Choc : {label_fr} (intensité {magnitude:.0%}) sur {targets_fr}.",
        "en": "Shock: {label_en} (magnitude {magnitude:.0%}) on {targets_en}.",
    },
    "start": {
        "fr": "Début de la simulation : {n} territoires, {links} liens.",
        "en": "Simulation starts: {n} territories, {links} links.",
    },
}
"""Sentences of a run's event log (``TerriModel.log_event``, :mod:`terrisim.narrative`), by
kind; governance rules and shocks add theirs with :func:`add_template`."""


#: Plain words for the targets a shock record names (see :func:`targets_words`).
TARGET_WORDS: dict[str, tuple[str, str]] = {
    "all": ("tous les territoires", "all territories"),
    "class:urban": ("les territoires urbains", "urban territories"),
    "class:rural": ("les territoires non urbains", "non-urban territories"),
}


def targets_words(targets: str) -> dict[str, str]:
    """A shock's targets (``"all"``, or kinds, ``class:<c>`` and ids joined by commas) in words.

    Returns:
        ``{"targets_fr": ..., "targets_en": ...}``, e.g. ``"tous les territoires"``, or
        ``"les territoires rural, mountain"`` for ``"rural,mountain"`` (kinds and ids are named
        as in the scenario).
    """
    known = [TARGET_WORDS[p] for p in targets.split(",") if p in TARGET_WORDS]
    others = [p for p in targets.split(",") if p and p not in TARGET_WORDS]
    fr = [w[0] for w in known] + ([f"les territoires {', '.join(others)}"] if others else [])
    en = [w[1] for w in known] + ([f"territories {', '.join(others)}"] if others else [])
    return {"targets_fr": " et ".join(fr), "targets_en": " and ".join(en)}


def add_template(kind: str, fr: str, en: str) -> None:
    """Register the French and English sentence for an event kind (governance rules, shocks)."""
    EVENTS[kind] = {"fr": fr, "en": en}


def event_text(kind: str, language: str, fields: dict[str, Any]) -> str:
    """The sentence for an event of a run, or a neutral fallback if no template fits."""
    template = EVENTS.get(kind, {}).get(language)
    if template is not None:
        try:
            return template.format(**fields)
        except (KeyError, ValueError, IndexError):
            pass  # a field missing or of the wrong type: the fallback below
    return f"{kind}: " + ", ".join(f"{k}={v}" for k, v in fields.items())
