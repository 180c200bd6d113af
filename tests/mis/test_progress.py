"""ProgressBars: nested stages get their own bars; the outermost stays, counts are right."""

import io

from mis.progress import ProgressBars


def test_nested_stages_keep_their_own_counts():
    out = io.StringIO()
    with ProgressBars(out) as bars:
        bars("outer", 0, 2)
        for i in range(2):
            bars("inner", 0, 3)
            for j in range(3):
                bars("inner", j + 1, 3)
            assert set(bars._bars) == {"outer"}  # the inner bar closed when complete
            bars("outer", i + 1, 2)
        assert bars._bars == {}
    text = out.getvalue()
    assert "outer: 100%" in text and "2/2" in text


def test_close_is_idempotent_and_closes_everything():
    bars = ProgressBars(io.StringIO())
    bars("a", 0, 5)
    bars("b", 1, 5)
    bars.close()
    bars.close()
    assert bars._bars == {}
