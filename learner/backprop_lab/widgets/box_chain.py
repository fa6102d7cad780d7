"""`BoxChainView`: one-input boxes in a row, values going right and gradients coming back."""

from __future__ import annotations

from collections.abc import Sequence
import numbers

from matplotlib.figure import Figure

from . import drawing as d
from .nodes import format_number
from .stepping import StepView

SPACING, BOX_WIDTH, BOX_HEIGHT, LANE = 2.5, 1.35, 0.9, 0.2  # x in inches, y in lane units


def _chain_values(boxes: Sequence[type], x: float, d_out: float) -> tuple[list, list[float], list[float]]:
    """Instantiate each box on the previous output; the forward values and the backward gradients."""
    if isinstance(boxes, type) or not isinstance(boxes, Sequence) or not boxes:
        raise TypeError("BoxChainView takes a non-empty list of box classes, e.g. [Square, Sine]")
    made, values = [], [float(x)]
    for box_type in boxes:
        if not isinstance(box_type, type):
            raise TypeError(f"BoxChainView takes box classes, not instances: pass {type(box_type).__name__}, "
                            f"not {box_type!r:.40}")
        try:
            box = box_type(values[-1])
        except TypeError as err:
            raise TypeError(f"BoxChainView chains one-input boxes, but {box_type.__name__}({values[-1]:g}) "
                            f"failed: {err}") from None
        made.append(box)
        values.append(float(box.forward()))
    grads = [float(d_out)]
    for box in reversed(made):
        d_in = box.backward(grads[0])
        if not isinstance(d_in, numbers.Real):
            raise TypeError(f"{type(box).__name__}.backward(d_out) returned {d_in!r:.40}, not one number: "
                            "BoxChainView chains one-input boxes only")
        grads.insert(0, float(d_in))
    return made, values, grads


class BoxChainView(StepView):
    """A chain such as [Square, Sine] at x: step the forward values out, then d_out back in."""

    css_class = "backprop-box-chain"

    def __init__(self, boxes: Sequence[type], x: float, d_out: float = 1.0):
        self.boxes, self.values, self.grads = _chain_values(boxes, x, d_out)
        self.names = [type(box).__name__ for box in self.boxes]
        super().__init__(2 * len(self.boxes) + 1)

    def _shown(self) -> tuple[int, int]:
        """How many forward values beyond x, and how many gradients beyond d_out, are shown."""
        m = len(self.boxes)
        return min(self.step, m), max(self.step - m, 0)

    def _note(self) -> str:
        m, (fwd, back) = len(self.boxes), self._shown()
        if self.step == 0:
            return f"the input x = {format_number(self.values[0])} waits at the left; next ▶ runs it through"
        if back == 0:
            k = fwd - 1
            return (f"forward: {self.names[k]}({format_number(self.values[k])}) = "
                    f"{format_number(self.values[k + 1])}")
        k = m - back
        local = self.grads[k] / self.grads[k + 1] if self.grads[k + 1] else float("nan")
        tail = " = d(output)/dx" if k == 0 else ""
        return (f"backward: {self.names[k]} gets {format_number(self.grads[k + 1])} and sends back "
                f"{format_number(self.grads[k + 1])} × {format_number(local)} = "
                f"{format_number(self.grads[k])}{tail}")

    def summary(self) -> str:
        m, (fwd, back) = len(self.boxes), self._shown()
        values = [format_number(v, 6) if k <= fwd else "?" for k, v in enumerate(self.values)]
        grads = [format_number(g, 6) if k >= m - back else "?" for k, g in enumerate(self.grads)]
        forward = " → ".join(f"{v} → {name}" for v, name in zip(values, self.names)) + f" → {values[-1]}"
        backward = " ← ".join(f"{g} ← {name}" for g, name in zip(grads, self.names)) + f" ← {grads[-1]}"
        return (f"BoxChainView, step {self.step} of {self.n_steps - 1}: {self._note()}\n"
                f"  forward values:  {forward}\n  gradients back:  {backward}")

    def figure(self) -> Figure:
        m, (fwd, back) = len(self.boxes), self._shown()
        span = SPACING * (m + 1)
        fig = d.new_figure(max(span + 0.8, 10.0), 3.2)
        ax = d.bare_axes(fig, (0.0, 0.16, 1.0, 0.66))
        spare = max(10.0 - span - 0.8, 0) / 2
        ax.set_xlim(-0.4 - spare, span + 0.4 + spare)
        ax.set_ylim(-0.75, 0.75)
        centres = [SPACING * (k + 1) for k in range(m)]
        lefts = [0.0] + [c + BOX_WIDTH / 2 for c in centres]  # where each arrow starts, going right
        rights = [c - BOX_WIDTH / 2 for c in centres] + [span]
        current = fwd - 1 if back == 0 else m - back
        for k, name in enumerate(self.names):
            factor = self.grads[k] / self.grads[k + 1] if self.grads[k + 1] else None
            lines = [name, f"in {format_number(self.values[k])}" if k < fwd else "in –"]
            if k >= m - back and factor is not None:
                lines.append(f"local × {format_number(factor)}")
            fill = d.FILL_FINAL if k >= m - back else d.FILL_VALUE if k < fwd else d.FILL_EMPTY
            d.node_box(ax, centres[k], 0, BOX_WIDTH, BOX_HEIGHT, lines, fill=fill,
                       current=self.step > 0 and k == current, dashed=k >= fwd)
        for k in range(m + 1):
            value_known, grad_known = k <= fwd, k >= m - back
            lit_forward = back == 0 and self.step > 0 and k == fwd
            d.arrow(ax, (lefts[k], LANE), (rights[k], LANE),
                    colour=d.FORWARD_FLOW if lit_forward else d.MUTED, width=2.5 if lit_forward else 1.2,
                    label=("x = " if k == 0 else "") + format_number(self.values[k]) if value_known else "?")
            lit_back = back > 0 and k == m - back
            d.arrow(ax, (rights[k], -LANE), (lefts[k], -LANE),
                    colour=d.BACKWARD_FLOW if lit_back else d.MUTED, width=2.5 if lit_back else 1.2,
                    label=("d_out = " if k == m else "") + format_number(self.grads[k]) if grad_known else "?",
                    style="-" if grad_known else ":")
        ax.text(0, 0.62, "values go right →", fontsize=10, color=d.FORWARD_FLOW, ha="left")
        ax.text(span, -0.66, "← gradients come back", fontsize=10, color=d.BACKWARD_FLOW, ha="right")
        fig.suptitle(f"step {self.step} of {self.n_steps - 1} · {self._note()}", fontsize=10.5,
                     x=0.01, ha="left", y=0.97)
        d.legend(ax, [(d.FILL_VALUE, d.INK, "input known"), (d.FILL_FINAL, d.INK, "gradient passed back"),
                      ("white", d.CURRENT, "this step's box")],
                 [(d.FORWARD_FLOW, "value sent on"), (d.BACKWARD_FLOW, "gradient sent back")])
        return fig
