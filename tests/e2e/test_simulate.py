"""End-to-end: `dokuei simulate` on both shipped scenarios and on a scenario file of one's own.

Checks the structure and sanity of the output: every arrival accounted for (by priority and as
read + unread), percentiles ordered, shares between 0 and 1, the assignment engine not worse than
FIFO on STAT attainment, Japanese by default and English with DOKUEI_LANG=en / --lang en, clear
errors for bad input.
"""
import json
import os
import subprocess
import tempfile
import unittest

from harness import BIN

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
ENV_JA = {k: v for k, v in os.environ.items() if k not in ("DOKUEI_LANG", "LANG", "LC_ALL")}
ENV_EN = dict(ENV_JA, DOKUEI_LANG="en")


def simulate(*args, env=ENV_JA, rc=0):
    p = subprocess.run([BIN, "simulate"] + list(args), capture_output=True, text=True, env=env,
                       timeout=300)
    if rc is not None and p.returncode != rc:
        raise AssertionError("dokuei simulate %s: exit %d\nstdout: %s\nstderr: %s"
                             % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


class SimulateTest(unittest.TestCase):
    def check_report(self, r, days, readers):
        self.assertEqual(r["days"], days)
        self.assertEqual(r["readers"], readers)
        self.assertGreater(r["arrivals"], 0)
        for policy in ("engine", "fifo"):
            p = r[policy]
            # Every arrival accounted for: the same studies in both policies, each read or not.
            self.assertEqual(p["studies"], r["arrivals"])
            self.assertEqual(p["finished"] + p["unfinished"], p["studies"])
            self.assertEqual(sorted(p["by_priority"]), ["routine", "same_day", "stat"])
            self.assertEqual(sum(s["studies"] for s in p["by_priority"].values()), p["studies"])
            for name, s in p["by_priority"].items():
                self.assertLessEqual(s["p50_min"], s["p90_min"], name)
                self.assertLessEqual(s["p90_min"], s["p99_min"], name)
                self.assertLessEqual(s["p99_min"], s["max_min"], name)
                self.assertGreaterEqual(s["p50_min"], 0, name)
                self.assertTrue(0 <= s["within_sla"] <= 1, name)
            self.assertTrue(0 <= p["same_day_attainment"] <= 1)
            self.assertTrue(0 < p["utilisation"] < 1.5)
        # The same studies and reading times: the same work done, and priorities identical.
        for name in ("stat", "same_day", "routine"):
            self.assertEqual(r["engine"]["by_priority"][name]["studies"],
                             r["fifo"]["by_priority"][name]["studies"])
        self.assertAlmostEqual(r["engine"]["utilisation"], r["fifo"]["utilisation"], delta=0.01)
        self.assertGreaterEqual(r["engine"]["by_priority"]["stat"]["within_sla"],
                                r["fifo"]["by_priority"]["stat"]["within_sla"])

    def test_small_centre(self):
        r = json.loads(simulate("--scenario", "small-centre", "--json").stdout)
        self.check_report(r, days=7, readers=40)
        self.assertEqual(r["scenario"]["id"], "small-centre")
        # 250 a day for a week, give or take the stochastic rounding per hour.
        self.assertTrue(abs(r["arrivals"] - 7 * 250) < 7 * 25, r["arrivals"])
        self.assertEqual(r["engine"]["unfinished"], 0)
        self.assertGreaterEqual(r["engine"]["same_day_attainment"], 0.95)

    def test_large_centre(self):
        r = json.loads(simulate("--scenario", "large-centre", "--json").stdout)
        self.check_report(r, days=30, readers=48)
        self.assertTrue(abs(r["arrivals"] - 18000) < 900, r["arrivals"])
        self.assertEqual(r["engine"]["unfinished"], 0)

    def test_seed_is_deterministic_and_changes_arrivals(self):
        a = json.loads(simulate("--days", "1", "--seed", "7", "--json").stdout)
        b = json.loads(simulate("--days", "1", "--seed", "7", "--json").stdout)
        c = json.loads(simulate("--days", "1", "--seed", "8", "--json").stdout)
        for r in (a, b, c):
            r.pop("wall_ms")
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        self.assertEqual(a["seed"], 7)

    def test_text_is_japanese_by_default_and_english_on_request(self):
        ja = simulate("--days", "1").stdout
        self.assertIn("シナリオ: 1 日 250 件", ja)
        self.assertIn("当日返却達成率", ja)
        self.assertIn("割当エンジン", ja)
        self.assertIn("FIFO", ja)
        en = simulate("--days", "1", env=ENV_EN).stdout
        self.assertIn("same-day attainment", en)
        self.assertIn("reader utilisation", en)
        self.assertEqual(simulate("--days", "1", "--lang", "en").stdout.split("\n")[0],
                         en.split("\n")[0])

    def test_own_scenario_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"name": {"ja": "夜間のみ", "en": "nights only"}, "days": 2,
                       "studies_per_day": 40, "hourly_weights": [1] * 6 + [0] * 16 + [1] * 2,
                       "modality_mix": {"xray": 0, "ct": 0.5, "mr": 0.5},
                       "priority_mix": {"stat": 1, "same_day": 0, "routine": 0},
                       "roster": {"readers": 3, "shift_hours": 8, "min_on_duty": 1,
                                  "xray_ct_only_every": 0}}, f)
        try:
            r = json.loads(simulate("--scenario-file", f.name, "--json").stdout)
            self.check_report(r, days=2, readers=3)
            self.assertEqual(r["scenario"]["name_en"], "nights only")
            self.assertEqual(r["engine"]["by_priority"]["stat"]["studies"], r["arrivals"])
        finally:
            os.unlink(f.name)

    def test_explicit_roster(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"name": "day shifts only", "days": 2, "studies_per_day": 60,
                       "roster": {"shifts": [
                           {"start": "09:00", "hours": 8, "readers": 3},
                           {"start": "13:00", "hours": 4, "readers": 2,
                            "modalities": ["xray", "ct"]}]}}, f)
        try:
            r = json.loads(simulate("--scenario-file", f.name, "--json").stdout)
            self.check_report(r, days=2, readers=5)
            self.assertEqual(r["duty_hours_per_day"], 32)
            # Nobody at night: STAT arrivals after 17:00 wait for the morning.
            self.assertLess(r["engine"]["by_priority"]["stat"]["within_sla"], 1)
            p = simulate("--scenario-file", f.name, "--readers", "3", env=ENV_EN, rc=2)
            self.assertIn("roster.shifts", p.stderr)
        finally:
            os.unlink(f.name)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"roster": {"shifts": [{"start": "25:00", "hours": 8}]}}, f)
        try:
            p = simulate("--scenario-file", f.name, env=ENV_EN, rc=2)
            self.assertIn("roster.shifts[0].start", p.stderr)
        finally:
            os.unlink(f.name)

    def test_shipped_scenarios_are_the_files_in_docs(self):
        for sid in ("small-centre", "large-centre"):
            path = os.path.join(REPO, "docs", "scenarios", sid + ".json")
            a = json.loads(simulate("--scenario", sid, "--days", "1", "--json").stdout)
            b = json.loads(simulate("--scenario-file", path, "--days", "1", "--json").stdout)
            for r in (a, b):
                r.pop("wall_ms")
                r["scenario"].pop("id")
            self.assertEqual(a, b)

    def test_bad_input_is_refused_clearly(self):
        p = simulate("--scenario", "nope", env=ENV_EN, rc=2)
        self.assertIn("unknown scenario 'nope'", p.stderr)
        self.assertIn("small-centre", p.stderr)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write('{"priority_mix": {"stat": 0.5, "same_day": 0.4, "routine": 0.5}}')
        try:
            p = simulate("--scenario-file", f.name, env=ENV_EN, rc=2)
            self.assertIn("priority_mix", p.stderr)
            p = simulate("--scenario-file", f.name, rc=2)
            self.assertIn("シナリオ", p.stderr)
        finally:
            os.unlink(f.name)
        p = simulate("--scenario-file", "/nonexistent.json", env=ENV_EN, rc=2)
        self.assertIn("cannot open", p.stderr)
        p = simulate("--seed", "x", env=ENV_EN, rc=2)
        self.assertIn("--seed", p.stderr)


if __name__ == "__main__":
    unittest.main()
