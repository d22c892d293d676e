"""Bar charts drawn on the server as SVG shapes (the CSP allows no script on the page)."""
from dataclasses import dataclass

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 40, 30, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    css: str


def bar_chart(series: list[dict], stacks: tuple[tuple[str, str], ...]) -> dict:
    """Stacked bars, one per bucket; `stacks` names (key, CSS class) from the bottom up."""
    totals = [sum(row[key] for key, _css in stacks) for row in series]
    top = max(totals + [1])
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(series), 1)
    bars, labels = [], []
    every = max(1, len(series) // 12)  # at most a dozen labels under the axis
    for index, row in enumerate(series):
        x = LEFT + index * slot + slot * 0.15
        base = HEIGHT - BOTTOM
        for key, css in stacks:
            height = plot_h * row[key] / top
            if row[key]:
                bars.append(Bar(x=round(x, 1), y=round(base - height, 1),
                                width=round(slot * 0.7, 1), height=round(height, 1),
                                value=row[key], label=row["label"], css=css))
            base -= height
        if index % every == 0:
            labels.append((round(x + slot * 0.35, 1), row["label"]))
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "labels": labels, "top": top,
            "left": LEFT, "axis_y": HEIGHT - BOTTOM, "top_y": TOP}
