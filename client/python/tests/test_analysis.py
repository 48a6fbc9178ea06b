"""The analysis features through the Python client, against a live server on
the frozen innovation dataset ($INDICATORS_INNOVATION_DATA): conversion with
the rate attached, warnings, derived figures with their inputs, growth,
aggregates, search, to_pandas and the ranked-intensity plot.
"""

import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

from live_server import start_server, stop_server

from indicators_client import (Filter, IndicatorClient, IndicatorServiceError,
                               ValueOptions, reconciliation_frame, to_pandas,
                               warning_name)

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


class AnalysisTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, cls.target = start_server(
            f"--data={os.environ['INDICATORS_INNOVATION_DATA']}")
        cls.client = IndicatorClient(cls.target)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        stop_server(cls.server)

    def rate(self, year):
        [rate] = self.client.query(Filter(
            indicator_ids=["exchange_rate_cny_per_usd"], region_codes=["CN"],
            start_period=year, end_period=year, preferred=True))
        return rate

    def test_dollars_carry_the_rate_and_the_seeds_own_conversion_is_flagged(self):
        flt = Filter(indicator_ids=["rd_expenditure", "rd_expenditure_usd"],
                     region_codes=["CN-GD"], start_period="2023",
                     end_period="2023", source_ids=["SEED", "S56"])
        rows = self.client.query(flt, options=ValueOptions(currency="USD"))
        final = next(o for o in rows if o.source_ids == ["S56"])
        rate = self.rate("2023")
        self.assertEqual(final.value, 480.26 / rate.value)
        self.assertEqual((final.unit, final.unit_multiplier), ("USD", 9))
        self.assertEqual(final.conversion.original_value, 480.26)
        self.assertEqual(final.conversion.original_unit, "CNY")
        self.assertEqual(list(final.conversion.rate.source_ids), ["S62"])
        seed = next(o for o in rows
                    if o.indicator_id == "rd_expenditure" and o.source_ids == ["SEED"])
        self.assertAlmostEqual(seed.value, 64.9, delta=0.05)
        codes = [warning_name(w.code) for w in rows.warnings]
        self.assertIn("DIFFERENT_RATES", codes)
        self.assertIn("MIXED_STATUS", codes)
        # In 10^8 yuan, as the communiqué prints it.
        [yi] = self.client.query(
            Filter(indicator_ids=["rd_expenditure"], region_codes=["CN-GD"],
                   start_period="2023", end_period="2023", source_ids=["S56"]),
            options=ValueOptions(unit_multiplier=8))
        self.assertAlmostEqual(yi.value, 4802.6, places=9)
        with self.assertRaises(IndicatorServiceError) as caught:
            self.client.query(Filter(indicator_ids=["rd_intensity"], region_codes=["CN-GD"]),
                              options=ValueOptions(currency="USD"))
        self.assertEqual(caught.exception.reason, "UNCONVERTIBLE_VALUE")
        self.assertEqual(caught.exception.field, "value_options.currency")

    def test_derived_figures_name_their_inputs(self):
        listed = {i.id: i for i in self.client.list_indicators(include_derived=True)}
        self.assertNotIn("rd_intensity_derived",
                         {i.id for i in self.client.list_indicators()})
        derived = listed["rd_intensity_derived"]
        self.assertEqual(list(derived.derivation.input_indicator_ids),
                         ["rd_expenditure", "gdp"])
        self.assertEqual(derived.derivation.published_equivalent_id, "rd_intensity")
        [o] = self.client.query(Filter(indicator_ids=["rd_intensity_derived"],
                                       region_codes=["CN-ZJ"], start_period="2022",
                                       end_period="2022"))
        self.assertTrue(o.derived)
        expenditure, gdp = [i.observation for i in o.derivation.inputs]
        self.assertEqual([i.role for i in o.derivation.inputs], ["numerator", "denominator"])
        self.assertEqual((expenditure.indicator_id, gdp.indicator_id), ("rd_expenditure", "gdp"))
        self.assertAlmostEqual(o.value, expenditure.value / gdp.value * 100, places=12)
        self.assertEqual(sorted(set(expenditure.source_ids) | set(gdp.source_ids)),
                         list(o.source_ids))
        frame = to_pandas([o])
        self.assertTrue(bool(frame["derived"][0]))

        [growth] = self.client.query(
            Filter(indicator_ids=["rd_expenditure"], region_codes=["CN-GD"],
                   start_period="2023", end_period="2023", preferred=True),
            options=ValueOptions(growth=True))
        current, previous = [i.observation for i in growth.derivation.inputs]
        self.assertEqual((current.value, previous.value), (480.26, 441.19))
        self.assertEqual(previous.period, "2022")
        self.assertAlmostEqual(growth.value, (480.26 / 441.19 - 1) * 100, places=12)

    def test_bounds_of_hedged_figures_as_columns_and_ranks(self):
        flt = Filter(indicator_ids=["rd_expenditure"], region_codes=["CN-GD"],
                     start_period="2019", end_period="2023")
        rows = self.client.query(flt, options=ValueOptions(include_bounds=True))
        frame = to_pandas(rows)
        by_source = {(r.period, r.source_ids): r for r in frame.itertuples()}
        over = by_source[("2019", "S8")]  # "over 300": (300, +inf)
        self.assertEqual((over.value_lower, over.value_upper), (300, float("inf")))
        exact = by_source[("2019", "S52")]  # 309.85: [309.845, 309.855)
        self.assertAlmostEqual(exact.value_lower, 309.845, places=9)
        self.assertAlmostEqual(exact.value_upper, 309.855, places=9)
        about = by_source[("2023", "S2")]  # about 460: [455, 465]
        self.assertEqual((about.value_lower, about.value_upper), (455, 465))
        # The two 2019 sources agree within their bounds.
        self.assertLess(over.value_lower, exact.value_upper)
        # Without the option: no bound columns.
        self.assertNotIn("value_lower", to_pandas(self.client.query(flt)).columns)
        # In dollars, the rate's own bounds are carried as well.
        [usd] = self.client.query(
            Filter(indicator_ids=["rd_expenditure"], region_codes=["CN-GD"],
                   start_period="2023", end_period="2023", source_ids=["S2"]),
            options=ValueOptions(currency="USD", include_bounds=True))
        rate = usd.conversion.rate.bounds
        self.assertAlmostEqual(usd.bounds.lower.value, 455 / rate.upper.value, places=12)
        self.assertAlmostEqual(usd.bounds.upper.value, 465 / rate.lower.value, places=12)

        ranking = self.client.rank("rd_expenditure", period="2023", parent="CN")
        first = ranking.regions[0]
        self.assertEqual(first.region_code, "CN-GD")
        self.assertEqual((first.best_rank, first.worst_rank), (1, 1))
        for place, r in enumerate(ranking.regions, start=1):
            self.assertLessEqual(r.best_rank, place)
            self.assertGreaterEqual(r.worst_rank, place)
        hedged = self.client.rank("high_tech_enterprises", period="2023",
                                  regions=["CN", "CN-GD"])
        self.assertEqual([(r.best_rank, r.worst_rank) for r in hedged.regions],
                         [(1, 2), (1, 2)])
        self.assertEqual(len(hedged.undetermined), 1)

    def test_provinces_add_up_to_the_national_total(self):
        response = self.client.aggregate("rd_expenditure", parent="CN",
                                         start_period="2012", end_period="2023")
        self.assertEqual(len(response.aggregates), 12)
        for a in response.aggregates:
            self.assertEqual((a.reporting_regions, a.expected_regions), (31, 31))
            self.assertAlmostEqual(a.share_of_published_total, 1.0, delta=0.001)
            self.assertAlmostEqual(
                a.observation.value,
                sum(i.observation.value for i in a.observation.derivation.inputs), places=6)
        self.assertEqual(list(response.warnings), [])
        with self.assertRaises(IndicatorServiceError) as caught:
            self.client.aggregate("exchange_rate_cny_per_usd", parent="CN")
        self.assertEqual(caught.exception.reason, "NOT_AGGREGATABLE")

    def test_reconciliation_of_sums_sources_and_derived_ratios(self):
        import csv
        data = pathlib.Path(os.environ["INDICATORS_INNOVATION_DATA"])
        with open(data / "regions.csv", newline="", encoding="utf-8") as f:
            provinces = {r["region_code"] for r in csv.DictReader(f)
                         if r["parent_code"] == "CN"}
        figures = self.client.reconcile(Filter(
            indicator_ids=["rd_expenditure"], region_codes=["CN"],
            start_period="2012", end_period="2023"))
        self.assertEqual(len(figures), 12)
        for f in figures:
            [total] = [c for c in f.checks if c.kind == 1]  # SUM_OF_PARTS
            parts = total.compared.derivation.inputs
            # The oracle: the parts themselves, one per province.
            self.assertEqual(len({p.observation.region_code for p in parts}), 31)
            self.assertTrue({p.observation.region_code for p in parts} <= provinces)
            self.assertAlmostEqual(total.compared.value,
                                   sum(p.observation.value for p in parts), places=9)
            self.assertAlmostEqual(total.difference,
                                   total.compared.value - total.reference.value, places=9)
            self.assertLess(abs(total.relative_difference), 0.00003)
            self.assertEqual(total.verdict, 1, total.summary)  # CONSISTENT

        [gd] = self.client.reconcile(Filter(
            indicator_ids=["rd_expenditure"], region_codes=["CN-GD"],
            start_period="2019", end_period="2019"))
        self.assertEqual(sorted(gd.agreement.agreeing_source_ids),
                         ["S20", "S21", "S52", "S8"])
        frame = reconciliation_frame([gd])
        over = frame[frame.summary.str.contains("over 300")]
        self.assertEqual(len(over), 1)
        self.assertEqual(over.verdict.iloc[0], "consistent")
        self.assertEqual(over.compared_upper.iloc[0], float("inf"))
        self.assertEqual(over.compared_lower.iloc[0], 300)

        # Derived against published intensity: each verdict is whether the
        # bounds meet, recomputed here from the frame's own columns.
        frame = reconciliation_frame(self.client.reconcile(
            Filter(indicator_ids=["rd_intensity"], start_period="2012",
                   end_period="2018"), checks=[2]))
        self.assertGreater(len(frame), 150)
        meet = ((frame.compared_lower < frame.reference_upper) &
                (frame.reference_lower <= frame.compared_upper))
        self.assertTrue(((frame.verdict == "consistent") == meet).all())
        self.assertGreater((frame.verdict == "discrepant").mean(), 0.7)

        only = self.client.reconcile(Filter(indicator_ids=["rd_expenditure"]),
                                     discrepancies_only=True, page_size=5)
        self.assertTrue(only)
        for f in only:
            self.assertTrue(any(c.verdict == 2 for c in f.checks), f)

    def test_search_finds_through_a_typo(self):
        results = self.client.search("guangdon")
        regions = [r.region.code for r in results if r.WhichOneof("item") == "region"]
        self.assertEqual(regions[0], "CN-GD")
        [first] = self.client.search("research intensity", max_results=1)
        self.assertEqual(first.indicator.id, "rd_intensity")

    def test_the_intensity_plot_ranks_every_province(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = pathlib.Path(tmp) / "intensity.png"
            done = subprocess.run(
                [sys.executable, str(EXAMPLES / "plot_intensity.py"),
                 f"--target={self.target}", "--year=2023", f"--out={out}"],
                capture_output=True, text=True, timeout=120)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("31 provinces, national 2.65", done.stdout)
            self.assertEqual(out.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main()
