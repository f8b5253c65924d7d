"""Every sentence of the baskets game, in French (default) and English.

Agents explain their answers with *reasons* (``REASONS``), errors name what was refused
(``ERRORS``), and the game page looks its words up in ``WORDS`` (served with the trainers'
page dictionary, see :func:`terrisim.game.web.game_routes`). Placeholders such as ``{good}``
are filled by :func:`render`; goods are named in the language of the sentence (``GOODS``).
"""

from __future__ import annotations

from typing import Any


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
    "unbalanced_counter": _("trop déséquilibré pour nous : nous donnerions moins",
                            "too unbalanced for us: we would give less"),
    "trust": _("confiance insuffisante", "not enough trust"),
    "trust_counter": _("confiance insuffisante : commençons plus modestement ({years} an(s), "
                       "engagement {commitment})", "not enough trust: let us start smaller "
                       "({years} year(s), commitment {commitment})"),
    "cannot_give": _("nous ne pouvons pas fournir autant de {good}",
                     "we cannot supply that much {good}"),
    "no_need": _("nous n'avons pas besoin de ce que vous offrez",
                 "we do not need what you offer"),
    "engineering": _("pas assez d'ingénierie pour suivre ce contrat : un panier plus petit",
                     "not enough engineering staff to run this contract: a smaller basket"),
    "engineering_refuse": _("pas assez d'ingénierie pour suivre ce contrat",
                            "not enough engineering staff to run this contract"),
    "nothing_left": _("plus rien à échanger après ajustement", "nothing left to exchange"),
    "player": _("décision de l'équipe", "the team's decision"),
    "proposal": _("nous pouvons offrir : {surplus} ; il nous manque : {deficit}",
                  "we can offer: {surplus}; we lack: {deficit}"),
}
"""Why an agent accepts, counters or refuses (and why it proposes)."""

ERRORS: dict[str, dict[str, str]] = {
    "unknown_player": _("l'équipe « {player} » ne joue pas dans cette partie (équipes : "
                        "{allowed})", "team “{player}” is not in this game (teams: {allowed})"),
    "unknown_territory": _("aucun territoire « {territory} » dans ce scénario",
                           "no territory “{territory}” in this scenario"),
    "territory_taken": _("le territoire {territory} est déjà joué par l'équipe « {player} »",
                         "territory {territory} is already played by team “{player}”"),
    "no_players": _("il faut au moins une équipe", "at least one team is needed"),
    "unknown_partner": _("« {partner} » n'est pas un partenaire de {territory} (partenaires : "
                         "{allowed})", "“{partner}” is not a partner of {territory} "
                         "(partners: {allowed})"),
    "self_offer": _("un territoire ne peut pas s'adresser une offre à lui-même",
                    "a territory cannot make an offer to itself"),
    "unknown_good": _("bien inconnu « {good} » (biens : {allowed})",
                      "unknown good “{good}” (goods: {allowed})"),
    "bad_quantity": _("quantité de {good} invalide : {value!r} (un nombre positif ou nul est "
                      "attendu)", "invalid quantity of {good}: {value!r} (a number >= 0 is "
                      "expected)"),
    "negative_quantity": _("quantité négative de {good} : {value}", "negative quantity of "
                           "{good}: {value}"),
    "cannot_produce": _("{territory} ne produit pas de {good}",
                        "{territory} does not produce {good}"),
    "too_much": _("{territory} produit au plus {capacity} unités de {good} par mois "
                  "({committed} déjà promises) : {value} est trop", "{territory} produces at "
                  "most {capacity} units of {good} a month ({committed} already promised): "
                  "{value} is too much"),
    "empty_basket": _("le panier est vide : il faut donner et demander quelque chose",
                      "the basket is empty: give something and ask for something"),
    "one_sided": _("une transaction réciproque : il faut donner et demander",
                   "a reciprocal transaction: give something and ask for something"),
    "bad_duration": _("durée invalide : {value!r} (de 1 mois à {max_years} ans)",
                      "invalid duration: {value!r} (1 month to {max_years} years)"),
    "bad_commitment": _("engagement invalide : {value!r} (entre 0 et 1)",
                        "invalid commitment: {value!r} (between 0 and 1)"),
    "stale_round": _("le tour {round} est terminé (tour en cours : {current}) : rechargez la "
                     "page", "round {round} is over (current round: {current}): reload the "
                     "page"),
    "stale_version": _("la partie a changé depuis (version {current}, vous aviez {version}) : "
                       "rechargez la page", "the game has changed since (version {current}, "
                       "you had {version}): reload the page"),
    "game_over": _("la partie est terminée", "the game is over"),
    "unknown_offer": _("aucune offre n°{offer}", "no offer #{offer}"),
    "not_yours": _("l'offre n°{offer} n'est pas adressée à l'équipe « {player} »",
                   "offer #{offer} is not addressed to team “{player}”"),
    "not_sender": _("l'offre n°{offer} n'a pas été faite par l'équipe « {player} »",
                    "offer #{offer} was not made by team “{player}”"),
    "already_answered": _("l'offre n°{offer} a déjà reçu une réponse ({status})",
                          "offer #{offer} has already been answered ({status})"),
    "bad_decision": _("réponse inconnue « {decision} » (accepter, contre-proposer ou refuser)",
                      "unknown answer “{decision}” (accept, counter or refuse)"),
    "unknown_action": _("action inconnue « {action} »", "unknown action “{action}”"),
    "bad_action": _("action mal formée : {detail}", "malformed action: {detail}"),
    "unknown_shock": _("choc inconnu « {kind} » (chocs : {allowed})",
                       "unknown shock “{kind}” (shocks: {allowed})"),
    "bad_file": _("fichier de partie illisible : {detail}", "unreadable game file: {detail}"),
    "replay_mismatch": _("la partie rejouée diffère de la partie enregistrée ({detail})",
                         "the replayed game differs from the saved one ({detail})"),
    "bad_setting": _("paramètre de partie invalide : {detail}", "invalid game setting: {detail}"),
}
"""Messages of :class:`~terrisim.game.errors.GameError`, by code."""


def good_name(good: str, language: str) -> str:
    """The name of a good in a language (its id for goods outside the default catalogue)."""
    return GOODS.get(good, {}).get(language, good.replace("_", " "))


def render(table: dict[str, dict[str, str]], code: str, language: str,
           fields: dict[str, Any]) -> str:
    """Fill the sentence ``table[code][language]`` with ``fields``.

    Goods (``good``, ``surplus``, ``deficit``: a name or a list of names) are translated; a
    sentence that cannot be filled falls back to the code and the fields.
    """
    values = dict(fields)
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
    "offer": _("{sender} propose à {receiver} : donne {give} ; demande {ask} ; {years} an(s), "
               "engagement {commitment}", "{sender} offers {receiver}: gives {give}; asks "
               "{ask}; {years} year(s), commitment {commitment}"),
    "accept": _("{who} accepte l'offre n°{offer}", "{who} accepts offer #{offer}"),
    "refuse": _("{who} refuse l'offre n°{offer}", "{who} refuses offer #{offer}"),
    "counter": _("{who} fait une contre-proposition à l'offre n°{offer}",
                 "{who} counters offer #{offer}"),
    "withdraw": _("{who} retire l'offre n°{offer}", "{who} withdraws offer #{offer}"),
    "shock": _("Le formateur déclenche un choc : {kind} (intensité {magnitude})",
               "The trainer triggers a shock: {kind} (magnitude {magnitude})"),
    "end_round": _("Fin du tour {round} : {months} mois simulés",
                   "End of round {round}: {months} months simulated"),
    "agent": _("{name} (agent)", "{name} (agent)"),
    "team": _("{team} ({name})", "{team} ({name})"),
    "expired": _("l'offre n°{offer} expire sans réponse", "offer #{offer} expires unanswered"),
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
    """A number with ``digits`` significant digits, with a decimal comma in French."""
    text = f"{value:.{digits}g}"
    return text.replace(".", ",") if language == "fr" else text


def basket_text(basket: dict[str, float], language: str) -> str:
    """``"5 santé, 10 alimentation"``: a basket in words."""
    if not basket:
        return "-"
    return ", ".join(f"{number(v, language)} {good_name(g, language)}"
                     for g, v in basket.items())
