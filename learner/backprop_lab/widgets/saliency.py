"""`SaliencyView`: a digit, what the network believes it is, and which pixels would change its mind.

Backpropagation stops at the parameters during training; here it goes one step further, to the
input pixels. The widget holds no network of its own: it calls `explain(image, label)`, which the
notebook writes with the learner's model and loss.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
from matplotlib.figure import Figure
import numpy as np

from . import drawing as d
from .stepping import PictureView

Explain = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]
"""explain(image, label) -> (probabilities of the classes, gradient of the loss with respect to the image)."""


def _explained(explain: Explain, image: np.ndarray, label: int) -> tuple[np.ndarray, np.ndarray]:
    """explain's answer as arrays, with a clear error when it is not (probabilities, image-shaped gradient)."""
    answer = explain(image, label)
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise TypeError("SaliencyView needs explain(image, label) to return a pair (probabilities, gradient), "
                        f"got {type(answer).__name__}")
    probabilities, gradient = (np.asarray(part, dtype=np.float64) for part in answer)
    if gradient.shape != image.shape or probabilities.ndim != 1:
        raise ValueError(f"explain(image, label) gave probabilities of shape {probabilities.shape} and a gradient of "
                         f"shape {gradient.shape}; expected one probability per class and the image's shape "
                         f"{image.shape}")
    return probabilities, gradient


class SaliencyView(PictureView):
    """Pick a digit with the slider: the image, the network's probabilities, and ∂loss/∂pixel."""

    css_class = "backprop-saliency"

    def __init__(self, images: np.ndarray, labels: np.ndarray, explain: Explain, index: int = 0):
        if not callable(explain):
            raise TypeError(f"SaliencyView needs a function explain(image, label), got {type(explain).__name__}")
        self.images, self.labels, self.explain = np.asarray(images), np.asarray(labels), explain
        if self.images.ndim != 3 or len(self.images) != len(self.labels) or not len(self.images):
            raise ValueError(f"SaliencyView needs images of shape (n, height, width) and n labels, got "
                             f"{self.images.shape} and {self.labels.shape}")
        self._slider = widgets.IntSlider(value=index, min=0, max=len(self.images) - 1, description="digit",
                                         continuous_update=False, layout=widgets.Layout(width="420px"))
        self._slider.observe(lambda _: self.redraw(), names="value")
        super().__init__([self._slider])
        self.redraw()

    @property
    def index(self) -> int:
        return self._slider.value

    @index.setter
    def index(self, value: int) -> None:
        self._slider.value = value

    def current(self) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
        """The image shown, its label, the probabilities and the gradient explain() gives for it."""
        image, label = self.images[self.index], int(self.labels[self.index])
        return (image, label, *_explained(self.explain, image, label))

    def summary(self) -> str:
        image, label, probabilities, gradient = self.current()
        guess = int(np.argmax(probabilities))
        row, column = np.unravel_index(int(np.argmax(np.abs(gradient))), gradient.shape)
        return (f"digit {self.index}: labelled {label}, the network says {guess} "
                f"(probability {probabilities[guess]:.3f}; {probabilities[label]:.3f} for {label})\n"
                f"  the loss is most sensitive to the pixel at row {row}, column {column}: "
                f"∂loss/∂pixel = {gradient[row, column]:+.3g} (darkening it "
                f"{'raises' if gradient[row, column] > 0 else 'lowers'} the loss)")

    def figure(self) -> Figure:
        image, label, probabilities, gradient = self.current()
        fig = d.new_figure(10, 3.4)
        picture, bars, saliency = (fig.add_axes(box) for box in
                                   ((0.02, 0.1, 0.25, 0.78), (0.36, 0.16, 0.27, 0.72), (0.7, 0.1, 0.25, 0.78)))
        picture.imshow(image, cmap="gray_r")
        picture.set_title(f"the input (label {label})", fontsize=11)
        colours = [d.BACKWARD_FLOW if k == label else d.FORWARD_FLOW for k in range(len(probabilities))]
        bars.bar(range(len(probabilities)), probabilities, color=colours)
        bars.set_xticks(range(len(probabilities)))
        bars.set_ylim(0, 1)
        bars.set_xlabel("class", fontsize=10)
        bars.set_title("the network's probabilities", fontsize=11)
        limit = float(np.max(np.abs(gradient))) or 1.0
        shown = saliency.imshow(gradient, cmap="RdBu_r", vmin=-limit, vmax=limit)
        fig.colorbar(shown, ax=saliency, fraction=0.046, pad=0.04)
        saliency.set_title("∂loss/∂pixel (red: darker raises the loss)", fontsize=10)
        for ax in (picture, saliency):
            ax.set_xticks([])
            ax.set_yticks([])
        return fig
