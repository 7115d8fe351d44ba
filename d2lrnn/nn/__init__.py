"""Building blocks: Module/Parameter, layers, init, losses, optimizers, concise RNNs."""
from .module import Module, Parameter
from . import cell_equations

__all__ = ["Module", "Parameter", "cell_equations"]
