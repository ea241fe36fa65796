/**
 * Arabic (Modern Standard Arabic), shown right to left. Same keys as messages.en.ts: a missing key
 * fails the type-check, and i18n.test.ts fails on a value left identical to English unless it is a
 * name (the product, a codec, a transport, a language, an example id).
 * Wording follows what Arabic meeting products say: اجتماع، انضمام، مغادرة، كتم الصوت، المضيف.
 */
import type { Catalogue } from "./i18n.ts";

export const ar: Catalogue = {
  "app.name": "videocall",

  "home.tagline": "اجتماعات فيديو مفتوحة المصدر، مباشرة في المتصفح.",
  "home.username": "اسمك",
  "home.meetingId": "معرّف الاجتماع",
  "home.continue": "متابعة",

  "account.signIn": "تسجيل الدخول",
  "account.signOut": "تسجيل الخروج",
  "account.signedInAs": "سجّلت الدخول باسم {name}",

  "meeting.documentTitle": "{meetingId} · videocall",
  "meeting.idLabel": "معرّف الاجتماع",
  "meeting.transportLabel": "وسيلة النقل المستخدمة",
  "meeting.controls": "أدوات التحكم في المكالمة",
  "meeting.participants": "المشاركون",
  "meeting.yourCamera": "كاميرتك",
  "meeting.you": "{username} (أنت)",

  "phase.preview": "معاينة",
  "phase.joining": "جارٍ الانضمام…",
  "phase.waiting": "غرفة الانتظار",
  "phase.joined": "في المكالمة",
  "phase.reconnecting": "جارٍ إعادة الاتصال…",
  "phase.left": "غادرت",
  "phase.failed": "خطأ",

  "transport.webtransport": "WebTransport",
  "transport.websocket": "WebSocket",

  "toolbar.join": "انضمام",
  "toolbar.leave": "مغادرة",
  "toolbar.mute": "كتم الصوت",
  "toolbar.unmute": "إلغاء كتم الصوت",
  "toolbar.cameraOff": "إيقاف الكاميرا",
  "toolbar.cameraOn": "تشغيل الكاميرا",
  "toolbar.speakerView": "عرض المتحدث",
  "toolbar.gridView": "عرض الشبكة",

  "devices.microphone": "الميكروفون",
  "devices.camera": "الكاميرا",
  "devices.codec": "الترميز",
  "devices.codecLabel": "ترميز الفيديو",
  "devices.noneAvailable": "لا يوجد جهاز متاح",
  "codec.vp8": "VP8",
  "codec.vp9": "VP9",
  "codec.h264": "H.264",

  "tile.microphoneMuted": "الميكروفون مكتوم",
  "tile.muted": "مكتوم",
  "tile.screenOf": "شاشة {username}",
  "tile.speaking": "يتحدث",
  "grid.pages": "صفحات المشاركين",
  "grid.previous": "السابق",
  "grid.next": "التالي",
  "grid.page": "الصفحة {page} من {count}",

  "warning.camera.denied":
    "رُفض الوصول إلى الكاميرا. لا يزال بإمكانك الانضمام، وسيرى الآخرون اسمك بدلًا من الفيديو.",
  "warning.camera.not-found":
    "لم يُعثر على كاميرا. لا يزال بإمكانك الانضمام، وسيرى الآخرون اسمك بدلًا من الفيديو.",
  "warning.camera.unavailable":
    "تعذّر تشغيل الكاميرا (هل يستخدمها تطبيق آخر؟). لا يزال بإمكانك الانضمام، وسيرى الآخرون اسمك بدلًا من الفيديو.",
  "warning.camera.unsupported":
    "لا يستطيع هذا المتصفح استخدام الكاميرا هنا. لا يزال بإمكانك الانضمام، وسيرى الآخرون اسمك بدلًا من الفيديو.",
  "warning.microphone.denied": "رُفض الوصول إلى الميكروفون. لا يزال بإمكانك الانضمام والاستماع.",
  "warning.microphone.not-found": "لم يُعثر على ميكروفون. لا يزال بإمكانك الانضمام والاستماع.",
  "warning.microphone.unavailable":
    "تعذّر تشغيل الميكروفون (هل يستخدمه تطبيق آخر؟). لا يزال بإمكانك الانضمام والاستماع.",
  "warning.microphone.unsupported":
    "لا يستطيع هذا المتصفح استخدام الميكروفون هنا. لا يزال بإمكانك الانضمام والاستماع.",
  "warning.audioOutput": "تشغيل الصوت غير متاح: {detail}",
  "warning.pipeline": "{detail}",

  "banner.reconnecting": "انقطع الاتصال — جارٍ إعادة الاتصال (المحاولة {attempt})…",

  "failure.couldNotJoin": "تعذّر الانضمام: {detail}",
  "failure.disconnected": "انقطع اتصالك بالاجتماع: {detail}",
  "refusal.titleJoin": "تعذّر عليك الانضمام إلى هذا الاجتماع",
  "refusal.titleCall": "انقطع اتصالك",
  "refusal.meeting": "الاجتماع {meetingId}",
  "refusal.detail": "رد الخادم: {detail}",
  "refusal.tryAgain": "حاول مرة أخرى",
  "refusal.password": "كلمة مرور الاجتماع",
  "refusal.passwordSubmit": "الانضمام بكلمة المرور",
  "refusal.home": "الصفحة الرئيسية",

  "close.messageTooBig": "كانت إحدى الحزم أكبر من المسموح.",
  "close.internalError": "حدث خطأ داخلي في الخادم أثناء معالجة اتصالك.",
  "close.slowSubscriber": "كان اتصالك أبطأ من أن يواكب الاجتماع.",
  "close.invalidName":
    "لا يقبل الخادم هذا الاسم أو معرّف الاجتماع: استخدم من 1 إلى 64 حرفًا لاتينيًا أو رقمًا أو '_' أو '-'.",
  "close.meetingFull": "هذا الاجتماع ممتلئ.",
  "close.serverFull": "هذا الخادم مشغول: عدد الاجتماعات كبير الآن. حاول مرة أخرى بعد دقيقة.",
  "close.rateLimited": "قُطع اتصالك لأنك أرسلت بيانات أكثر من المسموح.",
  "close.tooManyConnections": "عدد الاتصالات من شبكتك كبير جدًا.",
  "close.handshakeTimeout": "استغرق بدء الاتصال وقتًا طويلًا.",
  "close.tooManyStreams": "فتح متصفحك عددًا كبيرًا جدًا من التدفقات.",
  "close.protocol": "لا يتفاهم هذا التطبيق والخادم (خطأ في البروتوكول). أعد تحميل الصفحة.",
  "close.serverStarting": "الخادم قيد التشغيل. حاول مرة أخرى بعد لحظات.",
  "close.tokenRequired": "يتطلب هذا الاجتماع دعوة.",
  "close.tokenInvalid": "دعوتك غير صالحة لهذا الخادم.",
  "close.tokenExpired": "انتهت صلاحية دعوتك. أعد تحميل الصفحة للحصول على دعوة جديدة.",
  "close.tokenWrongMeeting": "دعوتك لاجتماع آخر.",
  "close.banned": "أزالك أحد المضيفين من هذا الاجتماع.",
  "close.meetingLocked": "هذا الاجتماع مقفل.",
  "close.passwordRequired": "يتطلب هذا الاجتماع كلمة مرور.",
  "close.wrongPassword": "كلمة مرور الاجتماع غير صحيحة.",
  "close.guestsNotAllowed": "لا يقبل هذا الاجتماع إلا المستخدمين المسجّلين. سجّل الدخول للانضمام.",

  "close.e2eeRequired":
    "يتطلب هذا الاجتماع التشفير التام بين الطرفين، ولا يستطيع هذا المتصفح التشفير (لا يدعم Web Crypto أو العمّال Workers).",

  "e2ee.toggle": "التشفير التام بين الطرفين",
  "e2ee.lock": "مشفّر تمامًا بين الطرفين",
  "e2ee.lockTitle": "الوسائط مشفّرة بين الطرفين: يمرّرها الخادم لكنه لا يستطيع قراءتها.",
  "e2ee.panelTitle": "الأمان",
  "e2ee.panelIntro":
    "قارن رقم الأمان لكل شخص معه عبر قناة أخرى (وجهًا لوجه أو بالهاتف). إذا تطابق الرقمان فلا أحد بينكما.",
  "e2ee.waitingForIdentity": "في انتظار مفتاحه…",
  "e2ee.unverified": "لم يُتحقَّق منه",
  "e2ee.verified": "تم التحقق",
  "e2ee.markVerified": "وضع علامة «تم التحقق»",
  "e2ee.keyChanged":
    "تحذير: تغيّر مفتاح الأمان الخاص بـ{username}. قارن رقم الأمان مجددًا قبل الوثوق بهذه المكالمة.",
  "e2ee.epoch": "حقبة المفتاح",
  "e2ee.decrypted": "فُكّ تشفيرها",
  "e2ee.rejected": "مرفوضة",
  "e2ee.waiting": "في انتظار المفاتيح",
  "tile.waitingForKeys": "في انتظار المفاتيح…",
  "close.kicked": "أزالك أحد المضيفين من الاجتماع.",
  "close.kickedAndBanned": "أزالك أحد المضيفين من هذا الاجتماع، ولا يمكنك الانضمام إليه مجددًا.",
  "close.deniedEntry": "لم يسمح لك أحد المضيفين بدخول الاجتماع.",
  "close.meetingEnded": "أنهى أحد المضيفين الاجتماع للجميع.",

  "waiting.title": "في انتظار السماح لك بالدخول",
  "waiting.body": "سيسمح لك أحد مضيفي {meetingId} بالدخول قريبًا. يُرجى الانتظار.",
  "waiting.leave": "مغادرة",

  "hostMuted.microphone": "كتم {username} الميكروفون لديك. يمكنك إلغاء الكتم بنفسك.",
  "hostMuted.camera": "أوقف {username} الكاميرا لديك. يمكنك تشغيلها مجددًا.",
  "hostMuted.screen": "أوقف {username} مشاركة شاشتك.",
  "hostMuted.someone": "أحد المضيفين",
  "hostMuted.dismiss": "إغلاق",

  "participants.title": "المشاركون ({count})",
  "participants.you": "أنت ({role})",
  "participants.guest": "ضيف",
  "participants.role.host": "مضيف",
  "participants.role.cohost": "مضيف مشارك",
  "participants.role.participant": "مشارك",
  "participants.waitingTitle": "غرفة الانتظار ({count})",
  "participants.admit": "قبول",
  "participants.deny": "رفض",
  "participants.admitAll": "قبول الجميع",
  "participants.kick": "إزالة",
  "participants.kickBan": "إزالة وحظر",
  "participants.muteMic": "كتم الميكروفون",
  "participants.stopVideo": "إيقاف الفيديو",
  "participants.makeCohost": "تعيين مضيفًا مشاركًا",
  "participants.removeCohost": "إلغاء صفة المضيف المشارك",
  "participants.actionsFor": "إجراءات لـ{username}",
  "participants.commandRefused": "لم يُنفَّذ: {error}",

  "settings.title": "إعدادات الاجتماع",
  "settings.locked": "قفل الاجتماع",
  "settings.waitingRoom": "غرفة الانتظار",
  "settings.password": "كلمة المرور",
  "settings.passwordPlaceholder": "كلمة مرور جديدة",
  "settings.setPassword": "تعيين كلمة المرور",
  "settings.removePassword": "إزالة كلمة المرور",
  "settings.hasPassword": "لهذا الاجتماع كلمة مرور.",
  "settings.noPassword": "بلا كلمة مرور.",
  "settings.end": "إنهاء الاجتماع للجميع",

  "left.title": "غادرت الاجتماع",
  "left.meeting": "الاجتماع {meetingId}",
  "left.rejoin": "إعادة الانضمام",

  "diagnostics.title": "التشخيص",
  "diagnostics.notConnected": "غير متصل.",
  "diagnostics.transport": "وسيلة النقل",
  "diagnostics.transportReconnecting": "{transport} (جارٍ إعادة الاتصال)",
  "diagnostics.rtt": "زمن الذهاب والإياب",
  "diagnostics.rttMs": "{rttMs} ملّي ثانية",
  "diagnostics.sending": "الإرسال",
  "diagnostics.sendingSummary": "{resolution} · الإطارات: {frames} · {megabytes} ميغابايت",
  "diagnostics.noVideo": "لا فيديو",
  "diagnostics.peer": "المشارك",
  "diagnostics.fps": "إطار/ث",
  "diagnostics.size": "الأبعاد",
  "diagnostics.frames": "الإطارات",
  "diagnostics.bufferMs": "المخزن المؤقت (ملّي ثانية)",
  "diagnostics.lost": "المفقود",
  "diagnostics.rms": "مستوى الصوت",
  "diagnostics.encoderLatency": "تأخير المرمِّز (ملّي ثانية)",

  // languages and everyday polish
  "home.usernamePlaceholder": "Salma",
  "home.meetingIdPlaceholder": "team-sync",
  "language.label": "اللغة",
  "language.en": "English",
  "language.ar": "العربية",
  "link.copy": "نسخ الرابط",
  "link.copyLabel": "نسخ رابط الاجتماع",
  "link.copied": "نُسخ رابط الاجتماع",
  "link.copyFailed": "تعذّر نسخ الرابط: {link}",
  "devices.switched": "فُصل {device}. يُستخدم الآن {fallback}.",
  "devices.defaultDevice": "الجهاز الافتراضي",
  "shortcuts.open": "اختصارات لوحة المفاتيح",
  "shortcuts.title": "اختصارات لوحة المفاتيح",
  "shortcuts.close": "إغلاق",
  "shortcuts.mute": "كتم الميكروفون أو إلغاء كتمه",
  "shortcuts.camera": "إيقاف الكاميرا أو تشغيلها",
  "shortcuts.leave": "مغادرة الاجتماع",
  "shortcuts.help": "عرض اختصارات لوحة المفاتيح",
  "shortcuts.hint": "{action} ({keys})",

  // reactions and hands
  "reactions.react": "تفاعل",
  "reactions.picker": "التفاعلات",
  "reactions.send": "إرسال {emoji}",
  "reactions.raiseHand": "رفع اليد",
  "reactions.lowerHand": "خفض اليد",
  "reactions.handRaised": "اليد مرفوعة",
  "reactions.handBadge": "✋ {position}",
  "reactions.raisedHandsTitle": "الأيدي المرفوعة ({count})",
  "reactions.lowerHandOf": "خفض يد {username}",
  "reactions.someone": "مشارك",
  "reactions.you": "أنت",

  // audio processing
  "audio.processing": "معالجة الصوت",
  "audio.echoCancellation": "إلغاء الصدى",
  "audio.noiseSuppression": "كبت الضوضاء",
  "audio.autoGainControl": "التحكم التلقائي في مستوى الصوت",
  "audio.mutedSpeaking": "صوتك مكتوم: ألغِ الكتم ليسمعك الآخرون.",

  // browser capabilities (what this browser cannot do; media/support/capabilities.ts)
  "warning.browser.publish-video":
    "لا يستطيع هذا المتصفح إرسال الفيديو (لا يوجد مُرمِّز فيديو WebCodecs ولا التقاط إطارات الكاميرا). يرى الآخرون اسمك بدلًا منه.",
  "warning.browser.publish-audio":
    "لا يستطيع هذا المتصفح إرسال الصوت (لا يوجد مُرمِّز صوت WebCodecs ولا AudioWorklet). لا يستطيع الآخرون سماعك.",
  "warning.browser.receive-video":
    "لا يستطيع هذا المتصفح عرض فيديو الآخرين (لا يوجد مفكِّك فيديو WebCodecs ولا OffscreenCanvas).",
  "warning.browser.receive-audio":
    "لا يستطيع هذا المتصفح تشغيل صوت الآخرين (لا يوجد مفكِّك صوت WebCodecs ولا AudioWorklet).",
  // codecs: negotiation per meeting, and what this browser cannot do
  "codec.av1": "AV1",
  "warning.browser.decode":
    "لا يستطيع هذا المتصفح فك ترميز فيديو {codecs}: يرسل إليه الآخرون في المكالمة ترميزًا يستطيع فكّه بدلًا منه.",
  "warning.browser.noWebCodecs":
    "لا يدعم هذا المتصفح WebCodecs: لا يستطيع إرسال الفيديو ولا عرضه. استخدم إصدارًا حديثًا من Chrome أو Edge أو Firefox أو Safari.",

  // chat
  "chat.toggle": "الدردشة",
  "chat.toggleWithUnread": "الدردشة، {count} غير مقروءة",
  "chat.title": "الدردشة",
  "chat.empty": "لا توجد رسائل بعد.",
  "chat.to": "إلى",
  "chat.everyone": "الجميع",
  "chat.placeholder": "رسالة",
  "chat.send": "إرسال",
  "chat.privateTo": "بشكل خاص إلى {name}",
  "chat.privateFrom": "بشكل خاص",
  "chat.encrypted": "الرسائل مشفّرة من طرف إلى طرف بمفاتيح المكالمة: لا يستطيع الخادم قراءتها.",
  "chat.unreadable": "(مشفّرة قبل انضمامك: لا يوجد مفتاح لقراءتها)",
  "chat.you": "أنت",
  "chat.error.invalid": "الرسالة فارغة.",
  "chat.error.too-long": "الرسالة طويلة جدًا.",
  "chat.error.rate-limited": "أنت ترسل الرسائل بسرعة كبيرة. انتظر لحظة.",
  "chat.error.not-allowed": "لا يُسمح لك بالدردشة في هذا الاجتماع.",
  "chat.error.no-such-recipient": "غادر هذا المشارك الاجتماع.",
  "chat.error.failed": "تعذّر على الخادم حفظ الرسالة.",
  "chat.error.not-connected": "غير متصل: لم تُرسل الرسالة.",
  "chat.error.timeout": "لم يؤكد الخادم استلام الرسالة.",

  // recording
  "recording.title": "التسجيل",
  "recording.start": "بدء التسجيل",
  "recording.stop": "إيقاف التسجيل",
  "recording.none": "لا توجد تسجيلات بعد.",
  "recording.download": "{name} ({megabytes} ميغابايت)",
  "recording.inCall": "يجري تسجيل هذا الاجتماع.",
  "recording.beforeJoin": "يجري تسجيل هذا الاجتماع: إذا انضممت فسيُسجَّل حضورك أيضًا.",

  // screen share
  "screen.share": "مشاركة الشاشة",
  "screen.stop": "إيقاف المشاركة",
  "screen.notAllowed": "لا يُسمح لك بمشاركة شاشتك في هذا الاجتماع.",
  "warning.screen.unsupported": "لا يستطيع هذا المتصفح مشاركة الشاشة.",
  "warning.screen.failed": "تعذّرت مشاركة الشاشة.",

  // latency stages (diagnostics)
  "latency.title": "التأخير (ملّي ثانية بعد الالتقاط) والانتظار (ملّي ثانية)",
  "latency.arrived": "الوصول",
  "latency.decoded": "فك الترميز",
  "latency.onScreen": "على الشاشة",
  "latency.lipSyncWait": "مزامنة الشفاه",
  "latency.repairBuffer": "الإصلاح",
  "latency.soundHeard": "الصوت",

  // send adaptation
  "adapt.quality": "جودة الإرسال",
  "adapt.limitation.none": "كاملة",
  "adapt.limitation.network": "مخفّضة بسبب الشبكة",
  "adapt.limitation.cpu": "مخفّضة بسبب المعالج",
  "adapt.limitation.receiver": "مخفّضة: المستقبلون يعرضون مربعات صغيرة",
  "adapt.detail": "معدل البت {percent}٪ · معدل الإطارات 1/{divisor} · {dropped} طبقات عليا متوقفة",
  "adapt.stale": "{stale} إطارات متأخرة تم تخطيها",
};
