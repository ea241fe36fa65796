/**
 * Whether a ReadableStream can be transferred to a worker (postMessage with it in the transfer
 * list). WebKitGTK 2.50 cannot (DataCloneError); there the page reads the stream and posts each
 * VideoFrame, which every engine transfers.
 */
let answer: boolean | undefined;

export function canTransferStreams(): boolean {
  if (answer !== undefined) return answer;
  try {
    const { port1, port2 } = new MessageChannel();
    const stream = new ReadableStream();
    port1.postMessage(stream, [stream as unknown as Transferable]);
    port1.close();
    port2.close();
    answer = true;
  } catch {
    answer = false;
  }
  return answer;
}
