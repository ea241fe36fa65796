// MediaStreamTrackProcessor (Chromium, page only) is not in TypeScript's DOM library yet; the
// DefinitelyTyped package declares it (https://w3c.github.io/mediacapture-transform/). mediabunny
// references the same package, so a second declaration of our own would clash with it.
/// <reference types="dom-mediacapture-transform" />
