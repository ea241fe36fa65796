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
} as const;
