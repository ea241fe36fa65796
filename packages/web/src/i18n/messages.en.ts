/**
 * English, the source catalogue: every user-visible string of the web app. Another language is a
 * file of the same keys typed `Catalogue` (i18n.ts), so a missing key fails the type-check.
 * `{name}` is a placeholder filled by `t(key, { name })`.
 */
export const en = {
  "app.name": "videocall",

  "home.tagline": "Open-source video meetings, right in the browser.",
  "home.username": "Your name",
  "home.meetingId": "Meeting id",
  "home.continue": "Continue",

  "account.signIn": "Sign in",
  "account.signOut": "Sign out",
  "account.signedInAs": "Signed in as {name}",

  "meeting.documentTitle": "{meetingId} · videocall",
  "meeting.idLabel": "Meeting id",
  "meeting.transportLabel": "Transport in use",
  "meeting.controls": "Call controls",
  "meeting.participants": "Participants",
  "meeting.yourCamera": "Your camera",
  "meeting.you": "{username} (you)",

  "phase.preview": "Preview",
  "phase.joining": "Joining…",
  "phase.waiting": "Waiting room",
  "phase.joined": "In call",
  "phase.reconnecting": "Reconnecting…",
  "phase.left": "Left",
  "phase.failed": "Error",

  "transport.webtransport": "WebTransport",
  "transport.websocket": "WebSocket",

  "toolbar.join": "Join",
  "toolbar.leave": "Leave",
  "toolbar.mute": "Mute",
  "toolbar.unmute": "Unmute",
  "toolbar.cameraOff": "Camera off",
  "toolbar.cameraOn": "Camera on",
  "toolbar.speakerView": "Speaker view",
  "toolbar.gridView": "Grid view",

  "devices.microphone": "Microphone",
  "devices.camera": "Camera",
  "devices.codec": "Codec",
  "devices.codecLabel": "Video codec",
  "devices.noneAvailable": "None available",
  "codec.vp8": "VP8",
  "codec.vp9": "VP9",
  "codec.h264": "H.264",

  "tile.microphoneMuted": "Microphone muted",
  "tile.muted": "muted",
  "tile.screenOf": "{username}'s screen",
  "tile.speaking": "speaking",
  "grid.pages": "Pages of participants",
  "grid.previous": "Previous",
  "grid.next": "Next",
  "grid.page": "Page {page} of {count}",

  "warning.camera.denied":
    "Access to the camera was denied. You can still join: others will see your name instead of video.",
  "warning.camera.not-found":
    "No camera was found. You can still join: others will see your name instead of video.",
  "warning.camera.unavailable":
    "The camera could not be started (is another application using it?). You can still join: others will see your name instead of video.",
  "warning.camera.unsupported":
    "This browser cannot use a camera here. You can still join: others will see your name instead of video.",
  "warning.microphone.denied": "Access to the microphone was denied. You can still join and listen.",
  "warning.microphone.not-found": "No microphone was found. You can still join and listen.",
  "warning.microphone.unavailable":
    "The microphone could not be started (is another application using it?). You can still join and listen.",
  "warning.microphone.unsupported":
    "This browser cannot use a microphone here. You can still join and listen.",
  "warning.audioOutput": "Audio playback is unavailable: {detail}",
  "warning.pipeline": "{detail}",

  "banner.reconnecting": "Connection lost — reconnecting (attempt {attempt})…",

  "failure.couldNotJoin": "Could not join: {detail}",
  "failure.disconnected": "Disconnected from the meeting: {detail}",
  "refusal.titleJoin": "You could not join this meeting",
  "refusal.titleCall": "You were disconnected",
  "refusal.meeting": "Meeting {meetingId}",
  "refusal.detail": "Server said: {detail}",
  "refusal.tryAgain": "Try again",
  "refusal.password": "Meeting password",
  "refusal.passwordSubmit": "Join with password",
  "refusal.home": "Start page",

  // Per close code (packages/protocol/src/close-codes.ts; limits in docs/protocol.md).
  "close.messageTooBig": "A packet was too large.",
  "close.internalError": "The server hit an internal error with your connection.",
  "close.slowSubscriber": "Your connection was too slow to keep up with the meeting.",
  "close.invalidName":
    "The server does not accept this name or meeting id: use 1–64 letters, digits, '_' or '-'.",
  "close.meetingFull": "This meeting is full.",
  "close.serverFull": "This server is busy: too many meetings right now. Try again in a minute.",
  "close.rateLimited": "You were disconnected for sending too much data.",
  "close.tooManyConnections": "Too many connections from your network.",
  "close.handshakeTimeout": "The connection took too long to start.",
  "close.tooManyStreams": "Your browser opened too many streams.",
  "close.protocol": "This app and the server do not understand each other (protocol error). Reload the page.",
  "close.serverStarting": "The server is starting. Try again in a moment.",
  "close.tokenRequired": "This meeting needs an invitation.",
  "close.tokenInvalid": "Your invitation is not valid for this server.",
  "close.tokenExpired": "Your invitation has expired. Reload the page to get a new one.",
  "close.tokenWrongMeeting": "Your invitation is for another meeting.",
  "close.banned": "A host removed you from this meeting.",
  "close.meetingLocked": "This meeting is locked.",
  "close.passwordRequired": "This meeting needs a password.",
  "close.wrongPassword": "Wrong meeting password.",
  "close.guestsNotAllowed": "This meeting admits signed-in users only. Sign in to join.",

  "close.e2eeRequired":
    "This meeting requires end-to-end encryption, and this browser cannot encrypt (it lacks Web Crypto or workers).",

  "e2ee.toggle": "End-to-end encryption",
  "e2ee.lock": "End-to-end encrypted",
  "e2ee.lockTitle": "Media is encrypted end to end: the server forwards it but cannot read it.",
  "e2ee.panelTitle": "Security",
  "e2ee.panelIntro":
    "Compare each safety number with that person over another channel (in person, by phone). If they match, nobody is in between.",
  "e2ee.waitingForIdentity": "waiting for their key…",
  "e2ee.unverified": "unverified",
  "e2ee.verified": "verified",
  "e2ee.markVerified": "Mark as verified",
  "e2ee.keyChanged":
    "Warning: {username}'s security key changed. Compare the safety number again before trusting this call.",
  "e2ee.epoch": "Key epoch",
  "e2ee.decrypted": "Decrypted",
  "e2ee.rejected": "Rejected",
  "e2ee.waiting": "Waiting for keys",
  "tile.waitingForKeys": "Waiting for keys…",
  "close.kicked": "A host removed you from the meeting.",
  "close.kickedAndBanned": "A host removed you from this meeting, and you may not rejoin it.",
  "close.deniedEntry": "A host did not let you into the meeting.",
  "close.meetingEnded": "A host ended the meeting for everyone.",

  "waiting.title": "Waiting to be let in",
  "waiting.body": "A host of {meetingId} will let you in soon. Please wait.",
  "waiting.leave": "Leave",

  "hostMuted.microphone": "{username} muted your microphone. You can unmute yourself.",
  "hostMuted.camera": "{username} turned your camera off. You can turn it on again.",
  "hostMuted.screen": "{username} stopped your screen share.",
  "hostMuted.someone": "A host",
  "hostMuted.dismiss": "Dismiss",

  "participants.title": "Participants ({count})",
  "participants.you": "You ({role})",
  "participants.guest": "guest",
  "participants.role.host": "host",
  "participants.role.cohost": "co-host",
  "participants.role.participant": "participant",
  "participants.waitingTitle": "Waiting room ({count})",
  "participants.admit": "Admit",
  "participants.deny": "Deny",
  "participants.admitAll": "Admit all",
  "participants.kick": "Remove",
  "participants.kickBan": "Remove and ban",
  "participants.muteMic": "Mute mic",
  "participants.stopVideo": "Stop video",
  "participants.makeCohost": "Make co-host",
  "participants.removeCohost": "Remove co-host",
  "participants.actionsFor": "Actions for {username}",
  "participants.commandRefused": "Not done: {error}",

  "settings.title": "Meeting settings",
  "settings.locked": "Lock the meeting",
  "settings.waitingRoom": "Waiting room",
  "settings.password": "Password",
  "settings.passwordPlaceholder": "New password",
  "settings.setPassword": "Set password",
  "settings.removePassword": "Remove password",
  "settings.hasPassword": "This meeting has a password.",
  "settings.noPassword": "No password.",
  "settings.end": "End meeting for everyone",

  "left.title": "You left the meeting",
  "left.meeting": "Meeting {meetingId}",
  "left.rejoin": "Rejoin",

  "diagnostics.title": "Diagnostics",
  "diagnostics.notConnected": "Not connected.",
  "diagnostics.transport": "Transport",
  "diagnostics.transportReconnecting": "{transport} (reconnecting)",
  "diagnostics.rtt": "RTT",
  "diagnostics.rttMs": "{rttMs} ms",
  "diagnostics.sending": "Sending",
  "diagnostics.sendingSummary": "{resolution} · {frames} frames · {megabytes} MB",
  "diagnostics.noVideo": "no video",
  "diagnostics.peer": "Peer",
  "diagnostics.fps": "fps",
  "diagnostics.size": "Size",
  "diagnostics.frames": "Frames",
  "diagnostics.bufferMs": "Buffer ms",
  "diagnostics.lost": "Lost",
  "diagnostics.rms": "RMS",
  "diagnostics.encoderLatency": "Encoder latency (ms)",

  // languages and everyday polish
  "home.usernamePlaceholder": "Ada",
  "home.meetingIdPlaceholder": "team-sync",
  "language.label": "Language",
  "language.en": "English",
  "language.ar": "العربية",
  "link.copy": "Copy link",
  "link.copyLabel": "Copy the meeting link",
  "link.copied": "Meeting link copied",
  "link.copyFailed": "Could not copy the link: {link}",
  "devices.switched": "{device} was disconnected. Now using {fallback}.",
  "devices.defaultDevice": "the default device",
  "shortcuts.open": "Keyboard shortcuts",
  "shortcuts.title": "Keyboard shortcuts",
  "shortcuts.close": "Close",
  "shortcuts.mute": "Mute or unmute your microphone",
  "shortcuts.camera": "Turn your camera off or on",
  "shortcuts.leave": "Leave the meeting",
  "shortcuts.help": "Show keyboard shortcuts",
  "shortcuts.hint": "{action} ({keys})",

  // reactions and hands
  "reactions.react": "React",
  "reactions.picker": "Reactions",
  "reactions.send": "Send {emoji}",
  "reactions.raiseHand": "Raise hand",
  "reactions.lowerHand": "Lower hand",
  "reactions.handRaised": "Hand raised",
  "reactions.handBadge": "✋ {position}",
  "reactions.raisedHandsTitle": "Raised hands ({count})",
  "reactions.lowerHandOf": "Lower {username}'s hand",
  "reactions.someone": "Someone",
  "reactions.you": "You",

  // audio processing
  "audio.processing": "Audio processing",
  "audio.echoCancellation": "Echo cancellation",
  "audio.noiseSuppression": "Noise suppression",
  "audio.autoGainControl": "Auto gain",
  "audio.mutedSpeaking": "You are muted: unmute to be heard.",

  // browser capabilities (what this browser cannot do; media/support/capabilities.ts)
  "warning.browser.publish-video":
    "This browser cannot send video (no WebCodecs video encoder or camera frame capture). Others see your name instead.",
  "warning.browser.publish-audio":
    "This browser cannot send audio (no WebCodecs audio encoder or AudioWorklet). Others cannot hear you.",
  "warning.browser.receive-video":
    "This browser cannot show the others' video (no WebCodecs video decoder or OffscreenCanvas).",
  "warning.browser.receive-audio":
    "This browser cannot play the others' audio (no WebCodecs audio decoder or AudioWorklet).",
  // codecs: negotiation per meeting, and what this browser cannot do
  "codec.av1": "AV1",
  "warning.browser.decode":
    "This browser cannot decode {codecs} video: the others in the call send it a codec it can decode instead.",
  "warning.browser.noWebCodecs":
    "This browser has no WebCodecs: it can neither send nor show video. Use a recent Chrome, Edge, Firefox or Safari.",

  // chat
  "chat.toggle": "Chat",
  "chat.toggleWithUnread": "Chat, {count} unread",
  "chat.title": "Chat",
  "chat.empty": "No messages yet.",
  "chat.to": "To",
  "chat.everyone": "Everyone",
  "chat.placeholder": "Message",
  "chat.send": "Send",
  "chat.privateTo": "privately to {name}",
  "chat.privateFrom": "privately",
  "chat.encrypted": "Messages are end-to-end encrypted with the call's keys: the server cannot read them.",
  "chat.unreadable": "(encrypted before you joined: no key to read it)",
  "chat.you": "You",
  "chat.error.invalid": "The message is empty.",
  "chat.error.too-long": "The message is too long.",
  "chat.error.rate-limited": "You are sending messages too fast. Wait a moment.",
  "chat.error.not-allowed": "You may not chat in this meeting.",
  "chat.error.no-such-recipient": "That participant has left.",
  "chat.error.failed": "The server could not store the message.",
  "chat.error.not-connected": "Not connected: the message was not sent.",
  "chat.error.timeout": "The server did not confirm the message.",

  // recording
  "recording.title": "Recording",
  "recording.start": "Start recording",
  "recording.stop": "Stop recording",
  "recording.none": "No recordings yet.",
  "recording.download": "{name} ({megabytes} MB)",
  "recording.inCall": "This meeting is being recorded.",
  "recording.beforeJoin": "This meeting is being recorded: if you join, you will be recorded too.",

  // screen share
  "screen.share": "Share screen",
  "screen.stop": "Stop sharing",
  "screen.notAllowed": "You may not share your screen in this meeting.",
  "warning.screen.unsupported": "This browser cannot share a screen.",
  "warning.screen.failed": "The screen could not be shared.",

  // latency stages (diagnostics)
  "latency.title": "Latency (ms after capture) and waits (ms)",
  "latency.arrived": "Arrived",
  "latency.decoded": "Decoded",
  "latency.onScreen": "On screen",
  "latency.lipSyncWait": "Lip sync",
  "latency.repairBuffer": "Repairs",
  "latency.soundHeard": "Sound",

  // send adaptation
  "adapt.quality": "Sending quality",
  "adapt.limitation.none": "Full",
  "adapt.limitation.network": "Lowered for the network",
  "adapt.limitation.cpu": "Lowered for the CPU",
  "adapt.limitation.receiver": "Lowered: receivers show small tiles",
  "adapt.detail": "bitrate {percent} % · frame rate 1/{divisor} · {dropped} top layers off",
  "adapt.stale": "{stale} stale frames skipped",
} as const;
