"""Every word of the trainers' page, in French (default) and English.

The page fetches this dictionary from ``/api/i18n`` and looks every visible text up by key
(``t("btn.reset")`` in ``static/app.js``, ``data-i18n="..."`` in ``static/index.html``). Names of
catalogue items are keys too: ``kind.<kind>``, ``good.<good>``, ``governance.<rule>``,
``shock.<kind>``, ``knob.<id>`` (each knob, rule and shock also has a ``.help`` line shown under
it or as its tooltip). A test checks that every key has both languages and that every key the
page uses exists.

The French uses the words of the people in the room (élus, contrat de réciprocité, conférence
des élus, fusion, dotations, ingénierie, solidarité fiscale...): see ``../shared/DOMAIN.md``.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def _(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


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
