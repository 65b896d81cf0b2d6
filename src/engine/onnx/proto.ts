// The part of ONNX's protobuf schema (onnx/onnx.proto, IR version 8) that the engine's graphs use, encoded with
// protobufjs. Field numbers are the spec's; messages and fields the engine never writes are left out, which the
// protobuf wire format allows (a reader sees them as unset).
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package onnx;
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4;
  repeated int64 int64_data = 7;
  string name = 8;
  bytes raw_data = 9;
}
message AttributeProto {
  string name = 1;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  repeated float floats = 7;
  repeated int64 ints = 8;
  int32 type = 20;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
  string domain = 7;
}
message TensorShapeProto {
  message Dimension { int64 dim_value = 1; string dim_param = 2; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  Tensor tensor_type = 1;
}
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}
`;

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** ONNX IR version 8 (ONNX 1.10+), which every onnxruntime since 1.10 reads. */
export const IR_VERSION = 8;
/** The default-domain operator set the graphs are written against (Resize, Pad, Split, ReduceSum as in opset 17). */
export const OPSET = 17;

let root: protobuf.Root | null = null;

function type(name: 'ModelProto' | 'GraphProto' | 'TensorProto'): protobuf.Type {
  root ??= protobuf.parse(SCHEMA, { keepCase: true }).root;
  return root.lookupType(`onnx.${name}`);
}

/** The tag and length that start a length-delimited field (wire type 2). */
function frame(field: number, length: number): Uint8Array {
  return protobuf.Writer.create()
    .uint32((field << 3) | 2)
    .uint32(length)
    .finish();
}

export interface TensorMessage {
  name: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
  int64_data?: number[];
}

export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

export interface NodeMessage {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
}

export interface ValueInfoMessage {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
}

/**
 * Serialises a graph as an ONNX ModelProto (opset OPSET of the default domain). The initializers' raw bytes (the
 * VGG-19 weights, 80 MB) are framed by hand and copied once, into the result, rather than through protobufjs's
 * object conversion and writer: protobuf allows a message's fields in any order, so the model is its scalar fields,
 * then field 7 (graph) whose body is the graph's other fields followed by field 5 (initializer) repeated, each a
 * TensorProto whose field 9 (raw_data) comes last.
 */
export function encodeModel(graph: GraphMessage, producer = 'stylebot'): Uint8Array {
  const { initializer, ...rest } = graph;
  const graphHead = type('GraphProto').encode(type('GraphProto').fromObject(rest)).finish();
  const pieces: Uint8Array[] = [];
  let graphLength = graphHead.length;
  for (const tensor of initializer) {
    const { raw_data: raw, ...meta } = tensor;
    const head = type('TensorProto').encode(type('TensorProto').fromObject(meta)).finish();
    const rawFrame = raw ? frame(9, raw.length) : new Uint8Array(0);
    const tensorLength = head.length + rawFrame.length + (raw?.length ?? 0);
    const outer = frame(5, tensorLength);
    pieces.push(outer, head, rawFrame, ...(raw ? [raw] : []));
    graphLength += outer.length + tensorLength;
  }
  const modelHead = type('ModelProto')
    .encode(
      type('ModelProto').fromObject({ ir_version: IR_VERSION, producer_name: producer, opset_import: [{ domain: '', version: OPSET }] }),
    )
    .finish();
  const all = [modelHead, frame(7, graphLength), graphHead, ...pieces];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of all) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Decodes a ModelProto written by encodeModel (tests look inside the graphs with it). */
export function decodeModel(bytes: Uint8Array): { graph: GraphMessage } {
  const model = type('ModelProto');
  return model.toObject(model.decode(bytes), { longs: Number, bytes: Array, defaults: true }) as { graph: GraphMessage };
}
