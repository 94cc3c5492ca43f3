"""The worked examples of the commissions doc, checked line by line (amounts in the organization's currency)."""

from __future__ import annotations

from decimal import Decimal as D

from core_features.commissions.calc import Piece, Rules, Tier, compute, money

TIERS = (Tier(D(0), D("0.05")), Tier(D(50_000), D("0.08")), Tier(D(100_000), D("0.10")))


class TestTiers:
    def test_marginal_pays_each_slice_at_its_own_rate(self) -> None:
        result = compute(Rules(kind="tiered", tiers=TIERS, tier_mode="marginal"), None,
                         [Piece("a", D(40_000)), Piece("b", D(80_000))])
        # a: 40,000 x 5 % = 2,000; b: 10,000 x 5 % + 50,000 x 8 % + 20,000 x 10 % = 500 + 4,000 + 2,000
        assert result.lines == {"a": D("2000.00"), "b": D("6500.00")}
        assert result.commission == D("8500.00") and result.credited == D(120_000)

    def test_cumulative_pays_the_whole_amount_at_the_reached_tier(self) -> None:
        result = compute(Rules(kind="tiered", tiers=TIERS, tier_mode="cumulative"), None,
                         [Piece("a", D(40_000)), Piece("b", D(80_000))])
        assert result.lines == {"a": D("4000.00"), "b": D("8000.00")}
        assert result.commission == D("12000.00")

    def test_below_the_second_tier_both_modes_agree(self) -> None:
        pieces = [Piece("a", D(30_000))]
        marginal = compute(Rules(kind="tiered", tiers=TIERS, tier_mode="marginal"), None, pieces)
        cumulative = compute(Rules(kind="tiered", tiers=TIERS, tier_mode="cumulative"), None, pieces)
        assert marginal.commission == cumulative.commission == D("1500.00")


class TestAcceleratorCapAndOverrides:
    def test_accelerator_multiplies_only_the_part_past_quota(self) -> None:
        rules = Rules(rate=D("0.05"), accelerator=D("1.5"))
        result = compute(rules, D(100_000), [Piece("a", D(90_000)), Piece("b", D(30_000))])
        # a: 90,000 x 5 % = 4,500; b: 10,000 x 5 % + 20,000 x 5 % x 1.5 = 500 + 1,500
        assert result.lines == {"a": D("4500.00"), "b": D("2000.00")}
        assert result.commission == D("6500.00")

    def test_the_cap_holds_the_period_with_a_line_of_its_own(self) -> None:
        result = compute(Rules(rate=D("0.05"), accelerator=D("1.5"), cap=D(6000)), D(100_000),
                         [Piece("a", D(120_000))])
        assert result.uncapped == D("6500.00") and result.cap_adjustment == D("-500.00")
        assert result.commission == D("6000.00")

    def test_a_product_or_deal_type_rate_replaces_the_plan_rate_but_counts_toward_tiers(self) -> None:
        rules = Rules(kind="tiered", tiers=TIERS, product_rates={"pro_support": D("0.02")},
                      deal_type_rates={"renewal": D("0.03")})
        result = compute(rules, None, [Piece("s", D(50_000), product_id="pro_support"),
                                       Piece("r", D(10_000), deal_type="renewal"), Piece("n", D(10_000))])
        # s: 50,000 x 2 %; r: 10,000 x 3 %; n: its slice [60,000, 70,000] is in the 8 % tier
        assert result.lines == {"s": D("1000.00"), "r": D("300.00"), "n": D("800.00")}


class TestClawbacks:
    def test_a_clawback_takes_back_what_its_slice_paid(self) -> None:
        rules = Rules(kind="tiered", tiers=TIERS)
        result = compute(rules, None, [Piece("a", D(60_000)), Piece("b", D(60_000)), Piece("a-", D(-60_000))])
        alone = compute(rules, None, [Piece("b", D(60_000))])
        assert result.commission == alone.commission == D("3300.00")
        assert result.lines["a-"] == -result.lines["b"]

    def test_rounding_is_to_the_cent_half_up_per_line(self) -> None:
        result = compute(Rules(rate=D("0.075")), None, [Piece("a", D("10.10")), Piece("b", D("10.30"))])
        assert result.lines == {"a": D("0.76"), "b": D("0.77")}  # 0.7575 and 0.7725
        assert money(D("-0.005")) == D("-0.01")
