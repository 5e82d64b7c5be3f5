"""tools/calibration_table.py: the 'within' test, the deciles and the bar, on hand-made replay CSVs."""

import calibration_table as ct

HEADER = "t_s,target_t_s,predicted_mbps,low_mbps,high_mbps,confidence,mode,fallback,actual_mbps\n"


def write(path, rows):
    path.write_text(HEADER + "".join(f"{i},{i + 1},{p},{p},{p},{c},internet,{f},{a}\n"
                                     for i, (c, p, a, f) in enumerate(rows)))
    return str(path)


def test_within_is_relative_to_the_actual():
    assert ct.within(100, 120, 0.2)  # 20 <= 24
    assert not ct.within(100, 80, 0.2)  # 20 > 16
    assert ct.within(80, 100, 0.2)
    assert ct.within(0, 0, 0.2) and not ct.within(0.1, 0, 0.2)
    assert not ct.within(100, float("nan"), 0.2)


def test_deciles_mean_stated_observed_and_the_bar(tmp_path):
    # Decile 0.3-0.4: stated 0.3 and 0.35, one hit of two (mean 0.325, observed 0.5).
    # Decile 0.9-1.0: stated 1.0 (the top edge belongs to the last decile), a hit.
    # An unscored row (empty actual) is left out.
    csv = write(tmp_path / "a.csv", [(0.3, 100, 110, 0), (0.35, 100, 200, 0), (1.0, 50, 50, 1), (0.5, 10, "", 0)])
    points = ct.read_points([csv])
    assert len(points) == 3
    rows, passed = ct.table(points, 0.2, min_count=2, bar_points=5)
    assert [(d, n) for d, n, *_ in rows] == [(3, 2), (9, 1)]
    _, _, stated, observed, verdict = rows[0]
    assert abs(stated - 0.325) < 1e-12 and observed == 0.5 and verdict == "NO"
    assert rows[1][4] == "-"  # one forecast: below min_count, not judged
    assert not passed
    _, passed = ct.table(points, 0.2, min_count=2, bar_points=20)  # 17.5 points off: within 20
    assert passed
