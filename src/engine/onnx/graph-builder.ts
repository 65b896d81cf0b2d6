// A small writer of ONNX graphs: named inputs, outputs, float32/int64 initializers and nodes with attributes.
// Values are referred to by name, as ONNX does; every node output gets a fresh name from its op type.
import {
  AttributeType,
  DataType,
  encodeModel,
  type AttributeMessage,
  type GraphMessage,
  type NodeMessage,
  type TensorMessage,
  type ValueInfoMessage,
} from './proto.js';

/** An attribute value: a number (int unless `float` is used), an int list, a float list or a string. */
export type Attr = number | number[] | string | { float: number } | { floats: number[] };

function attribute(name: string, value: Attr): AttributeMessage {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

/** A dimension: a size, or a name for a size fixed only when the graph runs (ONNX's dim_param). */
export type Dim = number | string;

function valueInfo(name: string, shape: readonly Dim[]): ValueInfoMessage {
  const dim = shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim } } } };
}

export class GraphBuilder {
  private readonly nodes: NodeMessage[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly name: string) {}

  private fresh(base: string): string {
    const n = (this.counts.get(base) ?? 0) + 1;
    this.counts.set(base, n);
    return `${base}_${n}`;
  }

  /** A float32 graph input of a fixed shape. */
  input(name: string, shape: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, shape));
    return name;
  }

  /** Marks a value as a float32 graph output of this shape, under its own name (an Identity node renames it). */
  output(name: string, value: string, shape: readonly Dim[]): void {
    this.nodes.push({ name: this.fresh('Identity'), op_type: 'Identity', input: [value], output: [name], attribute: [] });
    this.outputs.push(valueInfo(name, shape));
  }

  /**
   * A float32 constant (weights, scales). Its bytes are referenced, not copied, until encode(); raw_data is
   * little-endian, which is the byte order of the platforms onnxruntime-node ships for (x64, arm64).
   */
  floats(base: string, dims: readonly number[], values: Float32Array | readonly number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) throw new Error(`initializer ${base}: ${data.length} values for shape [${dims}]`);
    const name = this.fresh(base);
    this.initializers.push({
      name,
      dims: [...dims],
      data_type: DataType.FLOAT,
      raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** An int64 constant (shapes, axes, pads). */
  int64s(base: string, values: readonly number[]): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [values.length], data_type: DataType.INT64, int64_data: [...values] });
    return name;
  }

  /** One node with one output; returns the output's name. An empty input name is an omitted optional input. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.opN(opType, inputs, 1, attrs)[0]!;
  }

  /** One node with `count` outputs. */
  opN(opType: string, inputs: readonly string[], count: number, attrs: Record<string, Attr> = {}): string[] {
    const name = this.fresh(opType);
    const output = Array.from({ length: count }, (_, i) => (count === 1 ? name : `${name}:${i}`));
    this.nodes.push({
      name,
      op_type: opType,
      input: [...inputs],
      output,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  graph(): GraphMessage {
    return { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }

  /** The serialised ModelProto. */
  encode(): Uint8Array {
    return encodeModel(this.graph());
  }
}
