// Moved to the client library, where the server's recorder uses it too.
export * from "../../client/src/recording/vpx-bitstream.ts";
