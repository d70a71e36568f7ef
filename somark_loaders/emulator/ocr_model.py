"""The line recogniser's model with its activations fused, rewritten in memory at load.

RapidOCR's recognition model (PP-OCRv4, exported from Paddle) writes each layer as a
convolution, a learnable scale and shift (``Mul`` and ``Add`` by two numbers), hardswish
as four elementwise operators (``Add`` 3, ``Clip`` 0-6, ``Mul``, ``Div`` 6) and another
scale and shift. onnxruntime fuses none of it: each operator is one more pass over the
activations. Three rewrites, each the same function up to float rounding:

* hardswish becomes ``HardSigmoid`` (alpha 1/6, beta 1/2) and ``Mul``, which
  onnxruntime's optimiser then fuses into the convolution before it;
* a scale and shift right after a convolution goes into its weights and bias;
* a scale and shift right before a 1x1 convolution (no padding, one group) goes into its
  weights and bias too (``W(c x + d) + B = (c W) x + (B + d sum W)``).

About two thirds of the recogniser's CPU time remains (PP-OCRv4's rec model, 14
batches of two scanned pages, one thread). The text read stays the same; the scores
move in the fourth decimal.

The model is a protocol buffer (ONNX). It is read and written with ``google.protobuf``,
which onnxruntime itself requires, through the few ONNX message fields the rewrite
touches (field numbers from ``onnx.proto``); every other field is kept as it was read.
No ``onnx`` package, nothing written to disk. A model that does not parse, or has no
such chains, is used as it is.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["fused"]

logger = logging.getLogger("somark_loaders.emulator")

_FLOAT, _TENSOR = 1, 4  # AttributeProto.type
_FLOAT32 = 1  # TensorProto.data_type
_MESSAGES: dict[str, Any] = {}


def _messages() -> dict[str, Any]:
    """The ONNX messages the rewrite reads and writes (a subset of ``onnx.proto``'s
    fields, same numbers; the rest travel as unknown fields)."""
    if _MESSAGES:
        return _MESSAGES
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    field = descriptor_pb2.FieldDescriptorProto
    optional, repeated = field.LABEL_OPTIONAL, field.LABEL_REPEATED
    kinds = {
        "string": field.TYPE_STRING,
        "bytes": field.TYPE_BYTES,
        "int64": field.TYPE_INT64,
        "int32": field.TYPE_INT32,
        "float": field.TYPE_FLOAT,
    }
    layout = {
        "ModelProto": [("graph", 7, optional, "GraphProto")],
        "GraphProto": [
            ("node", 1, repeated, "NodeProto"),
            ("output", 12, repeated, "ValueInfoProto"),
        ],
        "ValueInfoProto": [("name", 1, optional, "string")],
        "NodeProto": [
            ("input", 1, repeated, "string"),
            ("output", 2, repeated, "string"),
            ("name", 3, optional, "string"),
            ("op_type", 4, optional, "string"),
            ("attribute", 5, repeated, "AttributeProto"),
            ("domain", 7, optional, "string"),
        ],
        "AttributeProto": [
            ("name", 1, optional, "string"),
            ("f", 2, optional, "float"),
            ("i", 3, optional, "int64"),
            ("t", 5, optional, "TensorProto"),
            ("ints", 8, repeated, "int64"),
            ("type", 20, optional, "int32"),
        ],
        "TensorProto": [
            ("dims", 1, repeated, "int64"),
            ("data_type", 2, optional, "int32"),
            ("float_data", 4, repeated, "float"),
            ("raw_data", 9, optional, "bytes"),
        ],
    }
    package = "somark_loaders_onnx_subset"
    proto = descriptor_pb2.FileDescriptorProto(
        name=f"{package}.proto", package=package, syntax="proto2"
    )
    for name, fields in layout.items():
        message = proto.message_type.add(name=name)
        for field_name, number, label, kind in fields:
            one = message.field.add(name=field_name, number=number, label=label)
            if kind in kinds:
                one.type = kinds[kind]
            else:
                one.type, one.type_name = field.TYPE_MESSAGE, f".{package}.{kind}"
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(proto.SerializeToString())
    for name in layout:
        _MESSAGES[name] = message_factory.GetMessageClass(
            pool.FindMessageTypeByName(f"{package}.{name}")
        )
    return _MESSAGES


def fused(model: bytes) -> bytes:
    """``model`` (an ONNX model's bytes) with its hardswish chains and the scale and
    shift around its convolutions fused; ``model`` itself when that fails or finds
    nothing to fuse."""
    try:
        rewritten, counts = _rewrite(model)
    except Exception as err:  # any model we cannot rewrite runs as it is
        logger.debug("OCR model not fused (%s: %s)", type(err).__name__, err)
        return model
    logger.debug("OCR model fused: %s", counts)
    return rewritten if any(counts.values()) else model


class _Graph:
    """A model's nodes with their constants and consumers, for the rewrites."""

    def __init__(self, model: bytes) -> None:
        import numpy as np

        self.np = np
        self.messages = _messages()
        self.model = self.messages["ModelProto"].FromString(model)
        self.nodes: list[Any] = list(self.model.graph.node)
        self.outputs = {value.name for value in self.model.graph.output}
        self._tensors: dict[str, Any] = {}  # float32 Constant outputs: their tensors
        for node in self.nodes:
            if node.op_type == "Constant" and len(node.attribute) == 1:
                value = node.attribute[0]
                if value.name == "value" and value.t.data_type == _FLOAT32:
                    self._tensors[node.output[0]] = value.t
        self._arrays: dict[str, Any] = {}
        self.consumers: dict[str, list[Any]] = {}
        self._count = 0

    def array(self, name: str) -> Any:
        """The float32 constant ``name`` (read when first asked for), else None."""
        if name not in self._arrays:
            tensor = self._tensors.get(name)
            if tensor is None:
                return None
            np = self.np
            if tensor.raw_data:
                flat = np.frombuffer(tensor.raw_data, dtype="<f4")
            else:
                flat = np.array(tensor.float_data, dtype=np.float32)
            self._arrays[name] = flat.reshape(tuple(tensor.dims)).astype(np.float32)
        return self._arrays[name]

    def index(self) -> None:
        self.consumers = {}
        for node in self.nodes:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)

    def scalar(self, name: str) -> float | None:
        tensor = self._tensors.get(name)
        if tensor is None or any(size != 1 for size in tensor.dims):
            return None
        value = self.array(name)
        return None if value.size != 1 else float(value.reshape(()))

    def only_user(self, name: str) -> Any:
        """The one node that reads ``name`` (not a graph output), else None."""
        users = self.consumers.get(name, [])
        return users[0] if len(users) == 1 and name not in self.outputs else None

    def node(self, op_type: str, inputs: list[str], outputs: list[str], **floats: float) -> Any:
        self._count += 1
        node = self.messages["NodeProto"](
            op_type=op_type, name=f"somark_fused_{self._count}", input=inputs, output=outputs
        )
        for name, value in floats.items():
            node.attribute.add(name=name, f=value, type=_FLOAT)
        return node

    def constant(self, array: Any) -> tuple[str, Any]:
        """A Constant node holding ``array`` (float32) and its output's name."""
        np = self.np
        array = np.ascontiguousarray(array, dtype="<f4")
        self._count += 1
        name = f"somark_fused_constant_{self._count}"
        node = self.messages["NodeProto"](op_type="Constant", name=name, output=[name])
        tensor = self.messages["TensorProto"](
            dims=list(array.shape), data_type=_FLOAT32, raw_data=array.tobytes()
        )
        node.attribute.add(name="value", t=tensor, type=_TENSOR)
        self._tensors[name], self._arrays[name] = tensor, array
        return name, node

    def serialised(self) -> bytes:
        used = {name for node in self.nodes for name in node.input} | self.outputs
        kept = [n for n in self.nodes if n.op_type != "Constant" or n.output[0] in used]
        graph = self.model.graph
        del graph.node[:]
        graph.node.extend(kept)
        return bytes(self.model.SerializeToString())


def _rewrite(model: bytes) -> tuple[bytes, dict[str, int]]:
    graph = _Graph(model)
    counts = {
        "hardswish": _hardswish(graph),
        "after conv": _after_conv(graph),
        "before 1x1 conv": _before_pointwise(graph),
    }
    return graph.serialised(), counts


def _scale_and_shift(graph: _Graph, mul: Any, add: Any, data: str) -> tuple[float, float] | None:
    """``(a, b)`` when ``mul`` is ``data * a`` and ``add`` is that ``+ b`` (numbers)."""
    if mul is None or mul.op_type != "Mul" or add is None or add.op_type != "Add":
        return None
    factors = [name for name in mul.input if name != data]
    shifts = [name for name in add.input if name != mul.output[0]]
    if len(mul.input) != 2 or len(factors) != 1 or len(add.input) != 2 or len(shifts) != 1:
        return None
    a, b = graph.scalar(factors[0]), graph.scalar(shifts[0])
    return None if a is None or b is None else (a, b)


def _hardswish(graph: _Graph) -> int:
    """``x * clip(x + 3, 0, 6) / 6`` -> ``x * HardSigmoid(x)``."""
    graph.index()
    replaced: dict[int, list[Any]] = {}
    gone: set[int] = set()
    for add in graph.nodes:
        if add.op_type != "Add" or len(add.input) != 2:
            continue
        values = [graph.scalar(name) for name in add.input]
        if values.count(3.0) != 1 or None not in values:
            continue
        data = add.input[values.index(None)]
        clip = graph.only_user(add.output[0])
        if clip is None or clip.op_type != "Clip" or len(clip.input) != 3:
            continue
        if [graph.scalar(name) for name in clip.input[1:]] != [0.0, 6.0]:
            continue
        mul = graph.only_user(clip.output[0])
        if (
            mul is None
            or mul.op_type != "Mul"
            or sorted(mul.input) != sorted([data, clip.output[0]])
        ):
            continue
        div = graph.only_user(mul.output[0])
        if div is None or div.op_type != "Div" or list(div.input[:1]) != [mul.output[0]]:
            continue
        if graph.scalar(div.input[1]) != 6.0:
            continue
        gate = div.output[0] + "_somark_gate"
        replaced[id(add)] = [
            graph.node("HardSigmoid", [data], [gate], alpha=1 / 6, beta=0.5),
            graph.node("Mul", [data, gate], [div.output[0]]),
        ]
        gone.update({id(add), id(clip), id(mul), id(div)})
    nodes = []
    for node in graph.nodes:
        nodes += replaced.get(id(node), [])
        if id(node) not in gone:
            nodes.append(node)
    graph.nodes = nodes
    return len(replaced)


def _conv_weights(graph: _Graph, conv: Any) -> tuple[Any, Any] | None:
    """A Conv's weights and bias (zeros when it has none), when both are constants."""
    if conv.op_type != "Conv" or len(conv.input) < 2:
        return None
    weights = graph.array(conv.input[1])
    if weights is None:
        return None
    if len(conv.input) > 2 and conv.input[2]:
        bias = graph.array(conv.input[2])
        return None if bias is None else (weights, bias)
    return weights, graph.np.zeros(weights.shape[0], dtype=graph.np.float32)


def _set_weights(graph: _Graph, conv: Any, weights: Any, bias: Any, before: list[Any]) -> None:
    weights_name, weights_node = graph.constant(weights)
    bias_name, bias_node = graph.constant(bias)
    conv.input[1] = weights_name
    if len(conv.input) > 2:
        conv.input[2] = bias_name
    else:
        conv.input.append(bias_name)
    before += [weights_node, bias_node]


def _after_conv(graph: _Graph) -> int:
    """``conv(x) * a + b`` -> a conv of weights ``a W`` and bias ``a B + b``."""
    np = graph.np
    graph.index()
    gone: set[int] = set()
    added: dict[int, list[Any]] = {}
    for conv in graph.nodes:
        found = _conv_weights(graph, conv)
        if found is None:
            continue
        mul = graph.only_user(conv.output[0])
        add = graph.only_user(mul.output[0]) if mul is not None else None
        factors = _scale_and_shift(graph, mul, add, conv.output[0])
        if factors is None or add is None:
            continue
        a, b = np.float32(factors[0]), np.float32(factors[1])
        weights, bias = found
        added[id(conv)] = []
        _set_weights(graph, conv, weights * a, bias * a + b, added[id(conv)])
        conv.output[0] = add.output[0]
        gone.update({id(mul), id(add)})
    graph.nodes = _placed(graph.nodes, added, gone)
    return len(added)


def _before_pointwise(graph: _Graph) -> int:
    """``conv1x1(x * c + d)`` -> a conv of weights ``c W`` and bias ``B + d sum W`` (exact
    for a 1x1 kernel without padding, one group: every output reads every input)."""
    np = graph.np
    graph.index()
    made_by = {name: node for node in graph.nodes for name in node.output}
    gone: set[int] = set()
    added: dict[int, list[Any]] = {}
    for conv in graph.nodes:
        found = _conv_weights(graph, conv)
        if found is None or not _pointwise(conv, found[0]):
            continue
        add = made_by.get(conv.input[0])
        if add is None or add.op_type != "Add" or graph.only_user(add.output[0]) is not conv:
            continue
        inner = [name for name in add.input if graph.scalar(name) is None]
        mul = made_by.get(inner[0]) if len(inner) == 1 else None
        if mul is None or graph.only_user(mul.output[0]) is not add:
            continue
        data = [name for name in mul.input if graph.scalar(name) is None]
        if len(data) != 1:
            continue
        factors = _scale_and_shift(graph, mul, add, data[0])
        if factors is None:
            continue
        c, d = np.float32(factors[0]), np.float32(factors[1])
        weights, bias = found
        added[id(conv)] = []
        _set_weights(
            graph, conv, weights * c, bias + d * weights.sum(axis=(1, 2, 3)), added[id(conv)]
        )
        conv.input[0] = data[0]
        gone.update({id(mul), id(add)})
    graph.nodes = _placed(graph.nodes, added, gone)
    return len(added)


def _pointwise(conv: Any, weights: Any) -> bool:
    """A 1x1 convolution over all input channels, without padding or dilation."""
    if weights.ndim != 4 or weights.shape[2:] != (1, 1):
        return False
    for attribute in conv.attribute:
        if attribute.name == "group" and attribute.i != 1:
            return False
        if attribute.name == "pads" and any(attribute.ints):
            return False
        if attribute.name == "auto_pad":
            return False
    return True


def _placed(nodes: list[Any], added: dict[int, list[Any]], gone: set[int]) -> list[Any]:
    """``nodes`` less ``gone``, each node of ``added`` after the constants it reads."""
    placed = []
    for node in nodes:
        placed += added.get(id(node), [])
        if id(node) not in gone:
            placed.append(node)
    return placed
