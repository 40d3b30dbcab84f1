"""chainrule's nn: neurons, layers, an MLP, losses and optimizers on top of ``autograd``."""
