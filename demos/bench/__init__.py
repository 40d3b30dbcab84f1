"""The benchmark's parts: shared problems, one module per engine, and the measuring tools.

``python -m demos.benchmark`` puts them together. Every engine module offers the same
three functions, so a workload runs each engine through identical calls:

- ``train(problem)`` builds the network from ``problem``'s weights (untimed) and returns
  a runner that does ``problem.steps`` full-batch training steps and returns the loss of
  each step (before its update), then every parameter after the last step (layer by
  layer, neuron by neuron: its weights, then its bias);
- ``chain_forward(links)`` builds ``y = y * 1.0001 + 0.001`` of that many links from
  ``x = 1`` and returns the graph; ``chain_backward(graph)`` returns dy/dx.
"""
