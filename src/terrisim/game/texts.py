"""Every sentence of the baskets game, in French (default) and English.

Agents explain their answers with *reasons* (``REASONS``), errors name what was refused
(``ERRORS``), and the game page looks its words up in ``WORDS`` (served with the trainers'
page dictionary, see :func:`terrisim.game.web.game_routes`). Placeholders such as ``{good}``
are filled by :func:`render`; goods are named in the language of the sentence (``GOODS``).
"""

from __future__ import annotations

import math
from typing import Any

from terrisim.errors import shown


def _(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


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
