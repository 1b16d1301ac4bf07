/** The consumer groups of SPEC section 7, named once: the stages and the operator's tools read them. */
export const STREAM_GROUP = "stream-processor";
export const SINK_GROUP = "lake-sink";
