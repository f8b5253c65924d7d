"""A per-agent rule, Mesa style: a territory gives part of its surplus to partners in need.

Written as a :class:`terrisim.agents.Territory` with a ``step()`` (ODD 7.11): what *one*
territory does, looking at its own row and at its partners. The model calls every territory's
``step()`` in the phase ``act``, with the state read-only; ``give`` and ``set_trust`` only plan,
and the model commits every plan at once, so the order of territories does not matter.

    PYTHONPATH=examples/per_agent terrisim run examples/per_agent/generous.toml
    PYTHONPATH=examples/per_agent terrisim check-rule generous:Generous
"""

from pydantic import BaseModel, ConfigDict, Field

from terrisim.agents import Territory


class Generous(Territory):
    """Gives ``share`` of what a partner lacks, within its own surplus; trusts it a little more.

    For each partner ``j`` and good ``g``: ``give(j, g, share * min(surplus_i[g], lack_j[g]))``;
    after giving to ``j`` at all, ``trust(i -> j) += trust_gain`` (capped at 1).
    """

    class Params(BaseModel):
        """Parameters of the generous territory."""

        model_config = ConfigDict(extra="forbid", strict=True)  # "0.5" is refused, not converted
        share: float = Field(0.2, ge=0.0, le=1.0, description="Share of the lack given.")
        trust_gain: float = Field(0.01, ge=0.0, le=1.0, description="Trust gained by giving.")

    def step(self):
        """Plan gifts to partners who lack what this territory has in surplus."""
        trust = self.trust
        for partner in self.partners():
            gave = False
            for good in self.model.state.goods:
                surplus, lack = self.surplus(good), partner.lack(good)
                if surplus > 0 and lack > 0:
                    self.give(partner, good, self.params.share * min(surplus, lack))
                    gave = True
            if gave:
                new = min(1.0, trust[partner.territory_id] + self.params.trust_gain)
                self.set_trust(partner, new)
