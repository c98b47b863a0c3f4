// The TensorBoard messages dgm writes, as TensorFlow defines them (tensorflow/core/util/
// event.proto and tensorflow/core/framework/summary.proto; only the fields used here, with
// their numbers): parsed once by protobufjs, which does the encoding.
import protobuf from 'protobufjs';

export const EVENT_PROTO = `
syntax = "proto3";
package tensorflow;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
    SessionLog session_log = 6;
  }
}

message SessionLog {
  enum SessionStatus {
    STATUS_UNSPECIFIED = 0;
    START = 1;
  }
  SessionStatus status = 1;
}

message Summary {
  message Value {
    string tag = 1;
    oneof value {
      float simple_value = 2;
    }
  }
  repeated Value value = 1;
}
`;

let event: protobuf.Type | null = null;

/** tensorflow.Event, ready to encode. */
export function eventType(): protobuf.Type {
  event ??= protobuf.parse(EVENT_PROTO, { keepCase: true }).root.lookupType('tensorflow.Event');
  return event;
}
