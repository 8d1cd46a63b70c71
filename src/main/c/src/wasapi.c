/* The wasapi backend: Windows' audio session API, spoken as COM from C.
 *
 * Devices: IMMDeviceEnumerator's active endpoints; render endpoints are OUTPUTs
 * (capturing one is its loopback, AUDCLNT_STREAMFLAGS_LOOPBACK), capture endpoints
 * INPUTs. Ids are the endpoint ids (UTF-8), descriptions PKEY_Device_FriendlyName,
 * own format the shared-mode mix format. Applications: the audio sessions of the
 * render endpoints, by process. One application is captured by process loopback
 * (ActivateAudioInterfaceAsync on VAD\Process_Loopback, Windows 10 build 20348+),
 * which never mutes or moves anything.
 *
 * Threads and apartments. The shim never calls CoInitializeEx on a caller's thread
 * (a Java thread, whose apartment is not ours to choose). Instead one thread of the
 * shim's own (mta_keeper, started on first use, alive for the process) enters the
 * multithreaded apartment and stays there, so every thread that has not chosen an
 * apartment belongs to the MTA implicitly and may call the audio objects directly:
 * a packet costs no thread hop. A caller thread inside a single-threaded apartment
 * is refused with PAC_E_INTERNAL saying so (its COM rules would need marshalling).
 * Notifications (IMMNotificationClient) arrive on threads of Windows' own; they only
 * queue an event or set a flag and signal an event object, never call back into Java.
 *
 * A stream is event-driven (AUDCLNT_STREAMFLAGS_EVENTCALLBACK): its reader waits on
 * the buffer event, the interrupt event and a wake event (pause, route change) with
 * the read's timeout. Copy: IAudioCaptureClient::GetBuffer hands out one WASAPI
 * packet in place; the reader copies from it straight into the caller's memory
 * (memcpy, or the sample-format conversion when the shim converts) and releases it
 * once consumed. WASAPI packets (one device period) differ from ours (packet_frames),
 * so a WASAPI packet is held across reads until consumed, and a packet of ours may
 * span several of them. WASAPI cannot say how much data is buffered beyond the next
 * packet, so when a read times out after having copied part of a packet, that part
 * is kept in the stream's carry buffer (allocated once at open) and goes first into
 * the next read: a timeout loses nothing, and the carry copy happens only then.
 *
 * Format: the caller's format, rate and channels are asked of Windows with
 * AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM | AUDCLNT_STREAMFLAGS_SRC_DEFAULT_QUALITY; where
 * Windows refuses, and the mix format has the requested rate and channels, the
 * stream runs at the mix format and the shim converts the samples while copying.
 *
 * Timestamps: the QPC position GetBuffer reports (100 ns units of
 * QueryPerformanceCounter, the clock of System.nanoTime on Windows and of pac_now_ns
 * here), plus the offset of our packet's first frame inside the WASAPI packet.
 *
 * Loopback delivers nothing while nothing plays; a loopback stream (and a stream
 * waiting for a default device to appear) then delivers SILENT packets on the
 * real-time clock, so positions and timestamps keep going.
 */
#define COBJMACROS
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <initguid.h>
#include <objbase.h>
#include <mmdeviceapi.h>
#include <audioclient.h>
#include <audiopolicy.h>
#include <functiondiscoverykeys_devpkey.h>
#include <mmreg.h>
#include <ks.h>
#include <ksmedia.h>
#include <tlhelp32.h>

#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- declarations mingw-w64 10 lacks (audioclientactivationparams.h) ------- */

typedef enum PAC_AUDIOCLIENT_ACTIVATION_TYPE {
    PAC_AUDIOCLIENT_ACTIVATION_TYPE_DEFAULT = 0,
    PAC_AUDIOCLIENT_ACTIVATION_TYPE_PROCESS_LOOPBACK = 1
} PAC_AUDIOCLIENT_ACTIVATION_TYPE;

typedef enum PAC_PROCESS_LOOPBACK_MODE {
    PAC_PROCESS_LOOPBACK_MODE_INCLUDE_TARGET_PROCESS_TREE = 0,
    PAC_PROCESS_LOOPBACK_MODE_EXCLUDE_TARGET_PROCESS_TREE = 1
} PAC_PROCESS_LOOPBACK_MODE;

typedef struct PAC_AUDIOCLIENT_PROCESS_LOOPBACK_PARAMS {
    DWORD TargetProcessId;
    PAC_PROCESS_LOOPBACK_MODE ProcessLoopbackMode;
} PAC_AUDIOCLIENT_PROCESS_LOOPBACK_PARAMS;

typedef struct PAC_AUDIOCLIENT_ACTIVATION_PARAMS {
    PAC_AUDIOCLIENT_ACTIVATION_TYPE ActivationType;
    PAC_AUDIOCLIENT_PROCESS_LOOPBACK_PARAMS ProcessLoopbackParams;
} PAC_AUDIOCLIENT_ACTIVATION_PARAMS;

#define PAC_VAD_PROCESS_LOOPBACK L"VAD\\Process_Loopback"
#define PAC_PROCESS_LOOPBACK_MIN_BUILD 20348

typedef HRESULT (WINAPI *activate_async_fn)(LPCWSTR, REFIID, PROPVARIANT *,
                                            IActivateAudioInterfaceCompletionHandler *,
                                            IActivateAudioInterfaceAsyncOperation **);

/* ksmedia.h declares these as structs mingw's libraries do not define: our own copies */
static const GUID pac_subtype_pcm = { 0x00000001, 0x0000, 0x0010, { 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 } };
static const GUID pac_subtype_float = { 0x00000003, 0x0000, 0x0010, { 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 } };

#ifndef E_NOTFOUND
#define E_NOTFOUND HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
#endif

/* ---- failures: HRESULT in hex and its meaning ---------------------------- */

static const struct { HRESULT hr; const char *text; } hr_texts[] = {
    { AUDCLNT_E_NOT_INITIALIZED, "AUDCLNT_E_NOT_INITIALIZED: the stream is not initialized" },
    { AUDCLNT_E_ALREADY_INITIALIZED, "AUDCLNT_E_ALREADY_INITIALIZED" },
    { AUDCLNT_E_WRONG_ENDPOINT_TYPE, "AUDCLNT_E_WRONG_ENDPOINT_TYPE: the endpoint cannot do this (loopback of a capture endpoint, or no loopback in this WASAPI)" },
    { AUDCLNT_E_DEVICE_INVALIDATED, "AUDCLNT_E_DEVICE_INVALIDATED: the endpoint was unplugged, disabled or reconfigured" },
    { AUDCLNT_E_NOT_STOPPED, "AUDCLNT_E_NOT_STOPPED" },
    { AUDCLNT_E_BUFFER_TOO_LARGE, "AUDCLNT_E_BUFFER_TOO_LARGE" },
    { AUDCLNT_E_OUT_OF_ORDER, "AUDCLNT_E_OUT_OF_ORDER: buffer calls out of order" },
    { AUDCLNT_E_UNSUPPORTED_FORMAT, "AUDCLNT_E_UNSUPPORTED_FORMAT: the audio engine does not support this format" },
    { AUDCLNT_E_INVALID_SIZE, "AUDCLNT_E_INVALID_SIZE" },
    { AUDCLNT_E_DEVICE_IN_USE, "AUDCLNT_E_DEVICE_IN_USE: the endpoint is in exclusive use" },
    { AUDCLNT_E_BUFFER_OPERATION_PENDING, "AUDCLNT_E_BUFFER_OPERATION_PENDING" },
    { AUDCLNT_E_THREAD_NOT_REGISTERED, "AUDCLNT_E_THREAD_NOT_REGISTERED" },
    { AUDCLNT_E_EXCLUSIVE_MODE_NOT_ALLOWED, "AUDCLNT_E_EXCLUSIVE_MODE_NOT_ALLOWED" },
    { AUDCLNT_E_ENDPOINT_CREATE_FAILED, "AUDCLNT_E_ENDPOINT_CREATE_FAILED: the endpoint could not be created" },
    { AUDCLNT_E_SERVICE_NOT_RUNNING, "AUDCLNT_E_SERVICE_NOT_RUNNING: the Windows Audio service is not running" },
    { AUDCLNT_E_EVENTHANDLE_NOT_EXPECTED, "AUDCLNT_E_EVENTHANDLE_NOT_EXPECTED" },
    { AUDCLNT_E_EVENTHANDLE_NOT_SET, "AUDCLNT_E_EVENTHANDLE_NOT_SET" },
    { AUDCLNT_E_BUFFER_SIZE_ERROR, "AUDCLNT_E_BUFFER_SIZE_ERROR: the buffer duration is outside what the engine allows" },
    { AUDCLNT_E_BUFFER_ERROR, "AUDCLNT_E_BUFFER_ERROR" },
    { AUDCLNT_E_INVALID_DEVICE_PERIOD, "AUDCLNT_E_INVALID_DEVICE_PERIOD" },
    { E_NOTFOUND, "E_NOTFOUND: element not found" },
    { E_INVALIDARG, "E_INVALIDARG: an argument is invalid" },
    { E_POINTER, "E_POINTER" },
    { E_OUTOFMEMORY, "E_OUTOFMEMORY" },
    { E_NOINTERFACE, "E_NOINTERFACE: no such interface supported" },
    { E_NOTIMPL, "E_NOTIMPL: not implemented" },
    { E_ACCESSDENIED, "E_ACCESSDENIED: access denied (microphone privacy settings?)" },
    { CO_E_NOTINITIALIZED, "CO_E_NOTINITIALIZED: COM is not initialized on this thread" },
    { RPC_E_CHANGED_MODE, "RPC_E_CHANGED_MODE" },
    { REGDB_E_CLASSNOTREG, "REGDB_E_CLASSNOTREG: class not registered" },
};

/* Meaning of an HRESULT: our table, then the system's message text. */
static void hr_describe(HRESULT hr, char *out, size_t cap) {
    for (size_t i = 0; i < sizeof hr_texts / sizeof hr_texts[0]; i++) {
        if (hr_texts[i].hr == hr) { snprintf(out, cap, "%s", hr_texts[i].text); return; }
    }
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, (DWORD)hr,
                             MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), out, (DWORD)cap, NULL);
    while (n > 0 && (out[n - 1] == '\r' || out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '.'))
        out[--n] = 0;
    if (n == 0) snprintf(out, cap, "no description known");
}

static int32_t hr_fail(int32_t status, HRESULT hr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int32_t hr_fail(int32_t status, HRESULT hr, const char *fmt, ...) {
    char what[256], meaning[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    hr_describe(hr, meaning, sizeof meaning);
    return pac_fail(status, "%s: HRESULT 0x%08lX (%s)", what, (unsigned long)hr, meaning);
}

/* ---- strings ------------------------------------------------------------- */

static WCHAR *utf8_to_wide(const char *s) {
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0) return NULL;
    WCHAR *w = malloc((size_t)n * sizeof *w);
    if (w != NULL) MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

/* UTF-8 of w into out (cap bytes, NUL-terminated, cut at a character boundary). */
static void wide_to_utf8(const WCHAR *w, char *out, size_t cap) {
    out[0] = 0;
    if (w == NULL || cap == 0) return;
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0) return;
    if ((size_t)n <= cap) { WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)cap, NULL, NULL); return; }
    char *tmp = malloc((size_t)n);
    if (tmp == NULL) return;
    WideCharToMultiByte(CP_UTF8, 0, w, -1, tmp, n, NULL, NULL);
    size_t cut = cap - 1;
    while (cut > 0 && ((unsigned char)tmp[cut] & 0xC0) == 0x80) cut--; /* not inside a character */
    memcpy(out, tmp, cut);
    out[cut] = 0;
    free(tmp);
}

/* ---- the MTA that callers' threads join implicitly ------------------------ */

static INIT_ONCE mta_once = INIT_ONCE_STATIC_INIT;
static HRESULT mta_status = E_FAIL;

static DWORD WINAPI mta_keeper(LPVOID arg) {
    HANDLE ready = arg;
    mta_status = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    SetEvent(ready);
    if (FAILED(mta_status)) return 1;
    for (;;) Sleep(INFINITE); /* holds the MTA open for the life of the process */
    return 0;
}

static BOOL CALLBACK mta_start(PINIT_ONCE once, PVOID param, PVOID *ctx) {
    (void)once; (void)param; (void)ctx;
    HANDLE ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (ready == NULL) { mta_status = HRESULT_FROM_WIN32(GetLastError()); return TRUE; }
    HANDLE th = CreateThread(NULL, 64 * 1024, mta_keeper, ready, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (th == NULL) mta_status = HRESULT_FROM_WIN32(GetLastError());
    else { WaitForSingleObject(ready, INFINITE); CloseHandle(th); }
    CloseHandle(ready);
    return TRUE;
}

/* Every entry that touches COM calls this first. */
static int32_t com_ready(void) {
    InitOnceExecuteOnce(&mta_once, mta_start, NULL, NULL);
    if (FAILED(mta_status))
        return hr_fail(PAC_E_BACKEND_UNAVAILABLE, mta_status, "COM's multithreaded apartment could not be entered");
    APTTYPE type;
    APTTYPEQUALIFIER qualifier;
    HRESULT hr = CoGetApartmentType(&type, &qualifier);
    if (SUCCEEDED(hr) && (type == APTTYPE_STA || type == APTTYPE_MAINSTA))
        return pac_fail(PAC_E_INTERNAL, "the wasapi backend was called on a thread in a COM single-threaded "
                                        "apartment; call it from a thread that has not initialized COM, or the MTA");
    return PAC_OK;
}

/* ---- formats ------------------------------------------------------------- */

/* PAC_FORMAT_* of a WAVEFORMATEX, 0 if none of ours. */
static int32_t pac_format_of(const WAVEFORMATEX *wf) {
    WORD tag = wf->wFormatTag;
    WORD valid = wf->wBitsPerSample;
    if (tag == WAVE_FORMAT_EXTENSIBLE && wf->cbSize >= 22) {
        const WAVEFORMATEXTENSIBLE *x = (const WAVEFORMATEXTENSIBLE *)wf;
        if (IsEqualGUID(&x->SubFormat, &pac_subtype_float)) tag = WAVE_FORMAT_IEEE_FLOAT;
        else if (IsEqualGUID(&x->SubFormat, &pac_subtype_pcm)) tag = WAVE_FORMAT_PCM;
        else return 0;
        if (x->Samples.wValidBitsPerSample != 0) valid = x->Samples.wValidBitsPerSample;
    }
    if (tag == WAVE_FORMAT_IEEE_FLOAT && wf->wBitsPerSample == 32) return PAC_FORMAT_F32LE;
    if (tag == WAVE_FORMAT_PCM && wf->wBitsPerSample == 16) return PAC_FORMAT_S16LE;
    /* 24 valid bits in 32 are s32 with zero low bits */
    if (tag == WAVE_FORMAT_PCM && wf->wBitsPerSample == 32 && valid >= 24) return PAC_FORMAT_S32LE;
    return 0;
}

static const char *format_name(int32_t f) {
    switch (f) {
    case PAC_FORMAT_S16LE: return "s16le";
    case PAC_FORMAT_S32LE: return "s32le";
    case PAC_FORMAT_F32LE: return "f32le";
    default:               return "a format the shim does not convert";
    }
}

/* "f32le 48000 Hz 2 ch" for a WAVEFORMATEX. */
static void describe_wf(const WAVEFORMATEX *wf, char *out, size_t cap) {
    int32_t f = pac_format_of(wf);
    if (f != 0)
        snprintf(out, cap, "%s %lu Hz %u ch", format_name(f), (unsigned long)wf->nSamplesPerSec, (unsigned)wf->nChannels);
    else
        snprintf(out, cap, "format tag 0x%x %u-bit %lu Hz %u ch", (unsigned)wf->wFormatTag, (unsigned)wf->wBitsPerSample,
                 (unsigned long)wf->nSamplesPerSec, (unsigned)wf->nChannels);
}

static void make_format(WAVEFORMATEXTENSIBLE *x, int32_t format, int32_t rate, int32_t channels) {
    memset(x, 0, sizeof *x);
    WORD bits = (WORD)(pac_bytes_per_sample(format) * 8);
    x->Format.wFormatTag = WAVE_FORMAT_EXTENSIBLE;
    x->Format.nChannels = (WORD)channels;
    x->Format.nSamplesPerSec = (DWORD)rate;
    x->Format.wBitsPerSample = bits;
    x->Format.nBlockAlign = (WORD)(channels * bits / 8);
    x->Format.nAvgBytesPerSec = (DWORD)rate * x->Format.nBlockAlign;
    x->Format.cbSize = sizeof(WAVEFORMATEXTENSIBLE) - sizeof(WAVEFORMATEX);
    x->Samples.wValidBitsPerSample = bits;
    x->dwChannelMask = channels == 1 ? SPEAKER_FRONT_CENTER
                     : channels == 2 ? (SPEAKER_FRONT_LEFT | SPEAKER_FRONT_RIGHT) : 0;
    x->SubFormat = format == PAC_FORMAT_F32LE ? pac_subtype_float : pac_subtype_pcm;
}

/* Converts n samples from src_format to dst_format (both PAC_FORMAT_*). */
static void convert_samples(uint8_t *dst, int32_t dst_format, const uint8_t *src, int32_t src_format, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        double v;
        switch (src_format) {
        case PAC_FORMAT_S16LE: { int16_t s; memcpy(&s, src + i * 2, 2); v = s / 32768.0; break; }
        case PAC_FORMAT_S32LE: { int32_t s; memcpy(&s, src + i * 4, 4); v = s / 2147483648.0; break; }
        default:               { float s; memcpy(&s, src + i * 4, 4); v = s; break; }
        }
        if (v > 1.0) v = 1.0;
        if (v < -1.0) v = -1.0;
        switch (dst_format) {
        case PAC_FORMAT_S16LE: {
            long r = lrint(v * 32768.0);
            int16_t s = (int16_t)(r > 32767 ? 32767 : r);
            memcpy(dst + i * 2, &s, 2);
            break;
        }
        case PAC_FORMAT_S32LE: {
            long long r = llrint(v * 2147483648.0);
            int32_t s = (int32_t)(r > 2147483647LL ? 2147483647LL : r);
            memcpy(dst + i * 4, &s, 4);
            break;
        }
        default: { float s = (float)v; memcpy(dst + i * 4, &s, 4); break; }
        }
    }
}

/* ---- IMMNotificationClient: forwards to an owner until detached ---------- */

enum { NOTE_STATE, NOTE_ADDED, NOTE_REMOVED, NOTE_DEFAULT };

typedef struct notifier {
    IMMNotificationClient iface;
    LONG refs;
    CRITICAL_SECTION lock;   /* held while forwarding; detach waits for a callback in flight */
    void (*forward)(void *owner, int note, EDataFlow flow, ERole role, LPCWSTR id, DWORD state);
    void *owner;
} notifier;

static notifier *notifier_of(IMMNotificationClient *i) { return (notifier *)i; }

static HRESULT STDMETHODCALLTYPE nc_query(IMMNotificationClient *i, REFIID riid, void **out) {
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMMNotificationClient)) {
        *out = i;
        IMMNotificationClient_AddRef(i);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE nc_addref(IMMNotificationClient *i) { return (ULONG)InterlockedIncrement(&notifier_of(i)->refs); }
static ULONG STDMETHODCALLTYPE nc_release(IMMNotificationClient *i) {
    notifier *n = notifier_of(i);
    LONG r = InterlockedDecrement(&n->refs);
    if (r == 0) { DeleteCriticalSection(&n->lock); free(n); }
    return (ULONG)r;
}
static void nc_forward(IMMNotificationClient *i, int note, EDataFlow flow, ERole role, LPCWSTR id, DWORD state) {
    notifier *n = notifier_of(i);
    EnterCriticalSection(&n->lock);
    if (n->owner != NULL) n->forward(n->owner, note, flow, role, id, state);
    LeaveCriticalSection(&n->lock);
}
static HRESULT STDMETHODCALLTYPE nc_state(IMMNotificationClient *i, LPCWSTR id, DWORD state) {
    nc_forward(i, NOTE_STATE, eAll, eConsole, id, state);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE nc_added(IMMNotificationClient *i, LPCWSTR id) {
    nc_forward(i, NOTE_ADDED, eAll, eConsole, id, 0);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE nc_removed(IMMNotificationClient *i, LPCWSTR id) {
    nc_forward(i, NOTE_REMOVED, eAll, eConsole, id, 0);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE nc_default(IMMNotificationClient *i, EDataFlow flow, ERole role, LPCWSTR id) {
    nc_forward(i, NOTE_DEFAULT, flow, role, id, 0);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE nc_property(IMMNotificationClient *i, LPCWSTR id, const PROPERTYKEY key) {
    (void)i; (void)id; (void)key;
    return S_OK;
}

static const IMMNotificationClientVtbl notifier_vtbl = {
    nc_query, nc_addref, nc_release, nc_state, nc_added, nc_removed, nc_default, nc_property,
};

/* Registers a new notifier on en; NULL (nothing registered) on failure. */
static notifier *notifier_attach(IMMDeviceEnumerator *en, void *owner,
                                 void (*forward)(void *, int, EDataFlow, ERole, LPCWSTR, DWORD)) {
    notifier *n = calloc(1, sizeof *n);
    if (n == NULL) return NULL;
    n->iface.lpVtbl = (IMMNotificationClientVtbl *)&notifier_vtbl;
    n->refs = 1;
    InitializeCriticalSection(&n->lock);
    n->forward = forward;
    n->owner = owner;
    if (FAILED(IMMDeviceEnumerator_RegisterEndpointNotificationCallback(en, &n->iface))) {
        nc_release(&n->iface);
        return NULL;
    }
    return n;
}

/* After this returns no callback runs into the owner any more. */
static void notifier_detach(IMMDeviceEnumerator *en, notifier *n) {
    if (n == NULL) return;
    IMMDeviceEnumerator_UnregisterEndpointNotificationCallback(en, &n->iface);
    EnterCriticalSection(&n->lock);
    n->owner = NULL;
    LeaveCriticalSection(&n->lock);
    nc_release(&n->iface);
}

/* ---- common endpoint helpers -------------------------------------------- */

static int32_t new_enumerator(IMMDeviceEnumerator **out) {
    HRESULT hr = CoCreateInstance(&CLSID_MMDeviceEnumerator, NULL, CLSCTX_ALL, &IID_IMMDeviceEnumerator,
                                  (void **)out);
    if (FAILED(hr)) return hr_fail(PAC_E_BACKEND_UNAVAILABLE, hr, "CoCreateInstance(MMDeviceEnumerator)");
    return PAC_OK;
}

static EDataFlow flow_of(IMMDevice *dev) {
    IMMEndpoint *ep = NULL;
    EDataFlow flow = eAll;
    if (SUCCEEDED(IMMDevice_QueryInterface(dev, &IID_IMMEndpoint, (void **)&ep))) {
        if (FAILED(IMMEndpoint_GetDataFlow(ep, &flow))) flow = eAll;
        IMMEndpoint_Release(ep);
    }
    return flow;
}

/* The default endpoint id of a flow (eConsole role), or an empty string. */
static void default_id(IMMDeviceEnumerator *en, EDataFlow flow, WCHAR **out) {
    IMMDevice *dev = NULL;
    *out = NULL;
    if (SUCCEEDED(IMMDeviceEnumerator_GetDefaultAudioEndpoint(en, flow, eConsole, &dev))) {
        if (FAILED(IMMDevice_GetId(dev, out))) *out = NULL;
        IMMDevice_Release(dev);
    }
}

static void friendly_name(IMMDevice *dev, char *out, size_t cap) {
    IPropertyStore *props = NULL;
    out[0] = 0;
    if (FAILED(IMMDevice_OpenPropertyStore(dev, STGM_READ, &props))) return;
    PROPVARIANT pv;
    PropVariantInit(&pv);
    if (SUCCEEDED(IPropertyStore_GetValue(props, &PKEY_Device_FriendlyName, &pv)) && pv.vt == VT_LPWSTR)
        wide_to_utf8(pv.pwszVal, out, cap);
    PropVariantClear(&pv);
    IPropertyStore_Release(props);
}

static HRESULT activate_client(IMMDevice *dev, IAudioClient **out) {
    return IMMDevice_Activate(dev, &IID_IAudioClient, CLSCTX_ALL, NULL, (void **)out);
}

/* ---- the context ---------------------------------------------------------- */

#define EVENT_QUEUE_BOUND 4096

typedef struct event_node {
    struct event_node *next;
    pac_event ev;
} event_node;

typedef struct known_device {
    WCHAR *id;
    EDataFlow flow;
} known_device;

typedef struct wasapi_context {
    pac_context base;
    IMMDeviceEnumerator *enumerator;
    notifier *notes;
    CRITICAL_SECTION lock;       /* queue, known devices, interrupted */
    CONDITION_VARIABLE changed;
    event_node *head, *tail;
    int32_t queued;
    int interrupted;
    known_device *known;
    int32_t known_count, known_cap;
    CRITICAL_SECTION list_lock;  /* serializes devices() and applications() */
} wasapi_context;

static void queue_event(wasapi_context *c, int32_t type, int32_t direction, LPCWSTR id) {
    event_node *node = calloc(1, sizeof *node);
    if (node == NULL) return;
    node->ev.type = type;
    node->ev.direction = direction;
    wide_to_utf8(id, (char *)node->ev.id, sizeof node->ev.id);
    /* caller holds c->lock */
    if (c->queued == EVENT_QUEUE_BOUND) { /* drop the oldest */
        event_node *old = c->head;
        c->head = old->next;
        if (c->head == NULL) c->tail = NULL;
        free(old);
        c->queued--;
    }
    if (c->tail != NULL) c->tail->next = node; else c->head = node;
    c->tail = node;
    c->queued++;
    WakeAllConditionVariable(&c->changed);
}

static int32_t direction_of_flow(EDataFlow f) {
    return f == eRender ? PAC_DIRECTION_OUTPUT : f == eCapture ? PAC_DIRECTION_INPUT : 0;
}

static int known_index(const wasapi_context *c, LPCWSTR id) {
    for (int32_t i = 0; i < c->known_count; i++) if (wcscmp(c->known[i].id, id) == 0) return i;
    return -1;
}

static void known_add(wasapi_context *c, LPCWSTR id, EDataFlow flow) {
    if (c->known_count == c->known_cap) {
        int32_t cap = c->known_cap ? c->known_cap * 2 : 16;
        known_device *k = realloc(c->known, (size_t)cap * sizeof *k);
        if (k == NULL) return;
        c->known = k;
        c->known_cap = cap;
    }
    size_t n = wcslen(id) + 1;
    WCHAR *copy = malloc(n * sizeof *copy);
    if (copy == NULL) return;
    memcpy(copy, id, n * sizeof *copy);
    c->known[c->known_count].id = copy;
    c->known[c->known_count].flow = flow;
    c->known_count++;
}

static void known_remove(wasapi_context *c, int i) {
    free(c->known[i].id);
    c->known[i] = c->known[--c->known_count];
}

/* Active-state flow of an id, eAll if it is not an active endpoint. */
static EDataFlow active_flow(wasapi_context *c, LPCWSTR id) {
    IMMDevice *dev = NULL;
    EDataFlow flow = eAll;
    if (SUCCEEDED(IMMDeviceEnumerator_GetDevice(c->enumerator, id, &dev))) {
        DWORD state = 0;
        if (SUCCEEDED(IMMDevice_GetState(dev, &state)) && state == DEVICE_STATE_ACTIVE) flow = flow_of(dev);
        IMMDevice_Release(dev);
    }
    return flow;
}

static void context_note(void *owner, int note, EDataFlow flow, ERole role, LPCWSTR id, DWORD state) {
    wasapi_context *c = owner;
    EDataFlow now = eAll;
    if (note == NOTE_ADDED || (note == NOTE_STATE && state == DEVICE_STATE_ACTIVE)) now = active_flow(c, id);
    EnterCriticalSection(&c->lock);
    switch (note) {
    case NOTE_DEFAULT:
        if (role == eConsole && (flow == eRender || flow == eCapture))
            queue_event(c, PAC_EVENT_DEFAULT_CHANGED, direction_of_flow(flow), id != NULL ? id : L"");
        break;
    case NOTE_ADDED:
    case NOTE_STATE:
    case NOTE_REMOVED: {
        int i = id != NULL ? known_index(c, id) : -1;
        if (now != eAll && i < 0) {
            known_add(c, id, now);
            queue_event(c, PAC_EVENT_DEVICE_ADDED, direction_of_flow(now), id);
        } else if (now == eAll && i >= 0 && (note == NOTE_REMOVED || state != DEVICE_STATE_ACTIVE)) {
            queue_event(c, PAC_EVENT_DEVICE_REMOVED, direction_of_flow(c->known[i].flow), id);
            known_remove(c, i);
        }
        break;
    }
    default:
        break;
    }
    LeaveCriticalSection(&c->lock);
}

static void context_free(wasapi_context *c) {
    if (c->enumerator != NULL) {
        notifier_detach(c->enumerator, c->notes);
        IMMDeviceEnumerator_Release(c->enumerator);
    }
    while (c->head != NULL) { event_node *n = c->head; c->head = n->next; free(n); }
    for (int32_t i = 0; i < c->known_count; i++) free(c->known[i].id);
    free(c->known);
    DeleteCriticalSection(&c->lock);
    DeleteCriticalSection(&c->list_lock);
    free(c);
}

static int32_t check_options(const char *options) {
    if (options == NULL) return PAC_OK;
    const char *p = options;
    while (*p != 0) {
        const char *end = strchr(p, '\n');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        size_t key = 0;
        while (key < len && p[key] != '=') key++;
        int blank = 1;
        for (size_t i = 0; i < len; i++) if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') blank = 0;
        if (!blank)
            return pac_fail(PAC_E_INVALID_ARGUMENT, "unknown wasapi option '%.*s' (the wasapi backend has no options)",
                            (int)(key < 100 ? key : 100), p);
        if (end == NULL) break;
        p = end + 1;
    }
    return PAC_OK;
}

static int32_t wasapi_context_open(const pac_context_params *params, pac_context **out) {
    if (out == NULL) return pac_fail(PAC_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    int32_t rc = check_options(params != NULL ? params->options : NULL);
    if (rc != PAC_OK) return rc;
    rc = com_ready();
    if (rc != PAC_OK) return rc;
    wasapi_context *c = calloc(1, sizeof *c);
    if (c == NULL) return pac_fail(PAC_E_NO_MEMORY, "calloc of the wasapi context failed");
    c->base.ops = &pac_wasapi_backend;
    InitializeCriticalSection(&c->lock);
    InitializeCriticalSection(&c->list_lock);
    InitializeConditionVariable(&c->changed);
    rc = new_enumerator(&c->enumerator);
    if (rc != PAC_OK) { context_free(c); return rc; }
    /* the active endpoints now, so events report changes from here on */
    IMMDeviceCollection *all = NULL;
    if (SUCCEEDED(IMMDeviceEnumerator_EnumAudioEndpoints(c->enumerator, eAll, DEVICE_STATE_ACTIVE, &all))) {
        UINT n = 0;
        IMMDeviceCollection_GetCount(all, &n);
        for (UINT i = 0; i < n; i++) {
            IMMDevice *dev = NULL;
            WCHAR *id = NULL;
            if (FAILED(IMMDeviceCollection_Item(all, i, &dev))) continue;
            if (SUCCEEDED(IMMDevice_GetId(dev, &id))) { known_add(c, id, flow_of(dev)); CoTaskMemFree(id); }
            IMMDevice_Release(dev);
        }
        IMMDeviceCollection_Release(all);
    }
    c->notes = notifier_attach(c->enumerator, c, context_note);
    if (c->notes == NULL) {
        context_free(c);
        return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "RegisterEndpointNotificationCallback failed");
    }
    *out = &c->base;
    return PAC_OK;
}

static void wasapi_context_close(pac_context *ctx) {
    if (ctx != NULL) context_free((wasapi_context *)ctx);
}

static void put_device(pac_list_writer *w, IMMDevice *dev, const WCHAR *def_render, const WCHAR *def_capture) {
    WCHAR *wid = NULL;
    if (FAILED(IMMDevice_GetId(dev, &wid))) return;
    EDataFlow flow = flow_of(dev);
    if (flow != eRender && flow != eCapture) { CoTaskMemFree(wid); return; }
    const WCHAR *def = flow == eRender ? def_render : def_capture;
    uint32_t flags = (def != NULL && wcscmp(def, wid) == 0) ? PAC_DEVICE_FLAG_DEFAULT : 0;
    char id[PAC_EVENT_ID_CAPACITY], desc[512];
    wide_to_utf8(wid, id, sizeof id);
    CoTaskMemFree(wid);
    friendly_name(dev, desc, sizeof desc);
    uint32_t format = 0, rate = 0, channels = 0;
    IAudioClient *client = NULL;
    if (SUCCEEDED(activate_client(dev, &client))) {
        WAVEFORMATEX *mix = NULL;
        if (SUCCEEDED(IAudioClient_GetMixFormat(client, &mix)) && mix != NULL) {
            format = (uint32_t)pac_format_of(mix);
            rate = mix->nSamplesPerSec;
            channels = mix->nChannels;
            CoTaskMemFree(mix);
        }
        IAudioClient_Release(client);
    }
    pac_list_u32(w, (uint32_t)direction_of_flow(flow));
    pac_list_u32(w, flags);
    pac_list_u32(w, format);
    pac_list_u32(w, rate);
    pac_list_u32(w, channels);
    pac_list_str(w, id);
    pac_list_str(w, desc);
    w->count++;
}

static int32_t wasapi_devices(pac_context *ctx, pac_list_writer *w) {
    wasapi_context *c = (wasapi_context *)ctx;
    int32_t rc = com_ready();
    if (rc != PAC_OK) return rc;
    EnterCriticalSection(&c->list_lock);
    IMMDeviceCollection *all = NULL;
    HRESULT hr = IMMDeviceEnumerator_EnumAudioEndpoints(c->enumerator, eAll, DEVICE_STATE_ACTIVE, &all);
    if (FAILED(hr)) {
        LeaveCriticalSection(&c->list_lock);
        return hr_fail(PAC_E_INTERNAL, hr, "EnumAudioEndpoints");
    }
    WCHAR *def_render = NULL, *def_capture = NULL;
    default_id(c->enumerator, eRender, &def_render);
    default_id(c->enumerator, eCapture, &def_capture);
    UINT n = 0;
    IMMDeviceCollection_GetCount(all, &n);
    for (UINT i = 0; i < n; i++) {
        IMMDevice *dev = NULL;
        if (FAILED(IMMDeviceCollection_Item(all, i, &dev))) continue;
        put_device(w, dev, def_render, def_capture);
        IMMDevice_Release(dev);
    }
    CoTaskMemFree(def_render);
    CoTaskMemFree(def_capture);
    IMMDeviceCollection_Release(all);
    LeaveCriticalSection(&c->list_lock);
    return PAC_OK;
}

/* ---- applications: audio sessions of the render endpoints, by process ----- */

typedef struct app_stream { uint32_t index; char title[256]; char device[PAC_EVENT_ID_CAPACITY]; } app_stream;
typedef struct app_entry { uint32_t pid; char name[256]; char binary[256]; app_stream *streams; uint32_t n, cap; } app_entry;

static void process_binary(DWORD pid, char *out, size_t cap) {
    out[0] = 0;
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (h == NULL) return;
    WCHAR path[MAX_PATH];
    DWORD len = MAX_PATH;
    if (QueryFullProcessImageNameW(h, 0, path, &len)) {
        const WCHAR *base = wcsrchr(path, L'\\');
        wide_to_utf8(base != NULL ? base + 1 : path, out, cap);
    }
    CloseHandle(h);
}

static void collect_sessions(IMMDevice *dev, app_entry **apps, uint32_t *napps, uint32_t *cap) {
    IAudioSessionManager2 *mgr = NULL;
    if (FAILED(IMMDevice_Activate(dev, &IID_IAudioSessionManager2, CLSCTX_ALL, NULL, (void **)&mgr))) return;
    IAudioSessionEnumerator *sessions = NULL;
    WCHAR *wid = NULL;
    char device[PAC_EVENT_ID_CAPACITY] = "";
    if (SUCCEEDED(IMMDevice_GetId(dev, &wid))) { wide_to_utf8(wid, device, sizeof device); CoTaskMemFree(wid); }
    if (SUCCEEDED(IAudioSessionManager2_GetSessionEnumerator(mgr, &sessions))) {
        int count = 0;
        IAudioSessionEnumerator_GetCount(sessions, &count);
        for (int i = 0; i < count; i++) {
            IAudioSessionControl *ctl = NULL;
            IAudioSessionControl2 *ctl2 = NULL;
            if (FAILED(IAudioSessionEnumerator_GetSession(sessions, i, &ctl))) continue;
            if (SUCCEEDED(IAudioSessionControl_QueryInterface(ctl, &IID_IAudioSessionControl2, (void **)&ctl2))) {
                DWORD pid = 0;
                AudioSessionState st = AudioSessionStateInactive;
                IAudioSessionControl_GetState(ctl, &st);
                if (IAudioSessionControl2_IsSystemSoundsSession(ctl2) != S_OK &&
                    SUCCEEDED(IAudioSessionControl2_GetProcessId(ctl2, &pid)) && pid != 0 &&
                    st == AudioSessionStateActive) {
                    app_entry *a = NULL;
                    for (uint32_t k = 0; k < *napps; k++) if ((*apps)[k].pid == pid) a = &(*apps)[k];
                    if (a == NULL) {
                        if (*napps == *cap) {
                            uint32_t nc = *cap ? *cap * 2 : 8;
                            app_entry *na = realloc(*apps, nc * sizeof *na);
                            if (na == NULL) goto next;
                            *apps = na;
                            *cap = nc;
                        }
                        a = &(*apps)[(*napps)++];
                        memset(a, 0, sizeof *a);
                        a->pid = pid;
                        process_binary(pid, a->binary, sizeof a->binary);
                        snprintf(a->name, sizeof a->name, "%s", a->binary);
                        char *dot = strrchr(a->name, '.');
                        if (dot != NULL && _stricmp(dot, ".exe") == 0) *dot = 0;
                    }
                    if (a->n == a->cap) {
                        uint32_t nc = a->cap ? a->cap * 2 : 4;
                        app_stream *ns = realloc(a->streams, nc * sizeof *ns);
                        if (ns == NULL) goto next;
                        a->streams = ns;
                        a->cap = nc;
                    }
                    app_stream *s = &a->streams[a->n++];
                    s->index = (uint32_t)i;
                    WCHAR *title = NULL;
                    s->title[0] = 0;
                    if (SUCCEEDED(IAudioSessionControl_GetDisplayName(ctl, &title))) {
                        wide_to_utf8(title, s->title, sizeof s->title);
                        CoTaskMemFree(title);
                    }
                    snprintf(s->device, sizeof s->device, "%s", device);
                }
            }
        next:
            if (ctl2 != NULL) IAudioSessionControl2_Release(ctl2);
            IAudioSessionControl_Release(ctl);
        }
        IAudioSessionEnumerator_Release(sessions);
    }
    IAudioSessionManager2_Release(mgr);
}

static int32_t wasapi_applications(pac_context *ctx, pac_list_writer *w) {
    wasapi_context *c = (wasapi_context *)ctx;
    int32_t rc = com_ready();
    if (rc != PAC_OK) return rc;
    EnterCriticalSection(&c->list_lock);
    IMMDeviceCollection *renders = NULL;
    HRESULT hr = IMMDeviceEnumerator_EnumAudioEndpoints(c->enumerator, eRender, DEVICE_STATE_ACTIVE, &renders);
    if (FAILED(hr)) {
        LeaveCriticalSection(&c->list_lock);
        return hr_fail(PAC_E_INTERNAL, hr, "EnumAudioEndpoints(eRender)");
    }
    app_entry *apps = NULL;
    uint32_t napps = 0, cap = 0;
    UINT n = 0;
    IMMDeviceCollection_GetCount(renders, &n);
    for (UINT i = 0; i < n; i++) {
        IMMDevice *dev = NULL;
        if (FAILED(IMMDeviceCollection_Item(renders, i, &dev))) continue;
        collect_sessions(dev, &apps, &napps, &cap);
        IMMDevice_Release(dev);
    }
    IMMDeviceCollection_Release(renders);
    for (uint32_t i = 0; i < napps; i++) {
        pac_list_u32(w, apps[i].pid);
        pac_list_u32(w, apps[i].n);
        pac_list_str(w, apps[i].name);
        pac_list_str(w, apps[i].binary);
        for (uint32_t k = 0; k < apps[i].n; k++) {
            pac_list_u32(w, apps[i].streams[k].index);
            pac_list_str(w, apps[i].streams[k].title);
            pac_list_str(w, apps[i].streams[k].device);
        }
        w->count++;
        free(apps[i].streams);
    }
    free(apps);
    LeaveCriticalSection(&c->list_lock);
    return PAC_OK;
}

static int32_t wasapi_next_event(pac_context *ctx, pac_event *ev, int32_t timeout_ms) {
    wasapi_context *c = (wasapi_context *)ctx;
    ULONGLONG deadline = GetTickCount64() + (ULONGLONG)(timeout_ms > 0 ? timeout_ms : 0);
    EnterCriticalSection(&c->lock);
    for (;;) {
        if (c->interrupted) {
            LeaveCriticalSection(&c->lock);
            return pac_fail(PAC_E_CLOSED, "context interrupted");
        }
        if (c->head != NULL) {
            event_node *node = c->head;
            c->head = node->next;
            if (c->head == NULL) c->tail = NULL;
            c->queued--;
            LeaveCriticalSection(&c->lock);
            *ev = node->ev;
            free(node);
            return PAC_OK;
        }
        ULONGLONG now = GetTickCount64();
        if (now >= deadline) {
            LeaveCriticalSection(&c->lock);
            return pac_fail(PAC_E_TIMEOUT, "no event within %d ms", timeout_ms);
        }
        SleepConditionVariableCS(&c->changed, &c->lock, (DWORD)(deadline - now));
    }
}

static int32_t wasapi_context_interrupt(pac_context *ctx) {
    wasapi_context *c = (wasapi_context *)ctx;
    EnterCriticalSection(&c->lock);
    c->interrupted = 1;
    WakeAllConditionVariable(&c->changed);
    LeaveCriticalSection(&c->lock);
    return PAC_OK;
}

/* ---- the stream ---------------------------------------------------------- */

typedef struct wasapi_stream {
    pac_stream base;
    int32_t target;
    int32_t buffer_ms;
    WCHAR *device_id;            /* PAC_TARGET_DEVICE                                */
    char device_label[256];      /* for details                                      */
    EDataFlow flow;              /* of the captured endpoint: eRender = loopback     */
    int follows_default;
    int loopback;
    DWORD pid;                   /* process loopback                                 */

    IMMDeviceEnumerator *enumerator;
    notifier *notes;
    /* attached endpoint; swapped only by the reader (or the opener) under client_lock */
    IAudioClient *client;
    IAudioCaptureClient *capture;
    CRITICAL_SECTION client_lock; /* client pointer vs. stats/pause; never held while waiting */
    int32_t convert_from;        /* 0, or the PAC_FORMAT_* the client delivers when the shim converts */
    int32_t client_frame_bytes;
    int64_t period_ns;

    HANDLE buffer_event;         /* auto-reset, the client's */
    HANDLE interrupt_event;      /* manual-reset, set once   */
    HANDLE wake_event;           /* auto-reset: pause, resume, route change, device gone */
    volatile LONG interrupted;
    volatile LONG paused;
    volatile LONG resume_pending;
    volatile LONG route_changed; /* the default of our flow changed      */
    volatile LONG device_gone;   /* our explicit endpoint went away      */

    /* reader-only state */
    BYTE *held;                  /* a WASAPI packet got but not yet released */
    UINT32 held_frames, held_offset;
    DWORD held_flags;
    int64_t held_ts;             /* capture time of the held packet's first frame */
    uint8_t *carry;              /* the part of a packet copied before a timeout */
    int32_t carry_frames;
    int64_t carry_ts;
    uint32_t carry_flags;
    uint32_t pending_flags;      /* for the next packet: DISCONTINUITY, ROUTE_CHANGED */
    int64_t position;
    int64_t next_ns;             /* capture time the next frame is due on the real-time clock */
    int64_t retry_at_ns;         /* detached: when to look for the default again */
    int32_t failure;             /* sticky: DEVICE_LOST etc.                      */
    char failure_detail[300];
} wasapi_stream;

static int64_t frames_ns(int64_t frames, int32_t rate) {
    return (int64_t)((__int128)frames * 1000000000 / rate);
}

static void stream_note(void *owner, int note, EDataFlow flow, ERole role, LPCWSTR id, DWORD state) {
    wasapi_stream *ws = owner;
    if (ws->follows_default) {
        if (note == NOTE_DEFAULT && role == eConsole && flow == ws->flow) {
            InterlockedExchange(&ws->route_changed, 1);
            SetEvent(ws->wake_event);
        }
    } else if (ws->device_id != NULL && id != NULL && wcscmp(id, ws->device_id) == 0) {
        if (note == NOTE_REMOVED || (note == NOTE_STATE && state != DEVICE_STATE_ACTIVE)) {
            InterlockedExchange(&ws->device_gone, 1);
            SetEvent(ws->wake_event);
        }
    }
}

/* Releases the attached client (reader or opener only). */
static void detach_client(wasapi_stream *ws) {
    if (ws->held != NULL && ws->capture != NULL) IAudioCaptureClient_ReleaseBuffer(ws->capture, ws->held_frames);
    ws->held = NULL;
    ws->held_frames = ws->held_offset = 0;
    EnterCriticalSection(&ws->client_lock);
    IAudioCaptureClient *cap = ws->capture;
    IAudioClient *client = ws->client;
    ws->capture = NULL;
    ws->client = NULL;
    LeaveCriticalSection(&ws->client_lock);
    if (client != NULL) IAudioClient_Stop(client);
    if (cap != NULL) IAudioCaptureClient_Release(cap);
    if (client != NULL) IAudioClient_Release(client);
}

/* Initializes an activated client for our format and starts it. Takes over `client`. */
static int32_t start_client(wasapi_stream *ws, IAudioClient *client, IMMDevice *dev_for_retry) {
    const pac_stream *s = &ws->base;
    WAVEFORMATEXTENSIBLE want;
    make_format(&want, s->format, s->rate, s->channels);
    DWORD flags = AUDCLNT_STREAMFLAGS_EVENTCALLBACK | AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM |
                  AUDCLNT_STREAMFLAGS_SRC_DEFAULT_QUALITY | (ws->loopback ? AUDCLNT_STREAMFLAGS_LOOPBACK : 0);
    REFERENCE_TIME buffer_hns = (REFERENCE_TIME)ws->buffer_ms * 10000;
    int32_t convert_from = 0;
    HRESULT hr = IAudioClient_Initialize(client, AUDCLNT_SHAREMODE_SHARED, flags, buffer_hns, 0,
                                         &want.Format, NULL);
    if (FAILED(hr) && dev_for_retry != NULL &&
        (hr == AUDCLNT_E_UNSUPPORTED_FORMAT || hr == E_INVALIDARG)) {
        /* Windows would not convert: run at the mix format and convert here, if only
           the sample format differs. */
        WAVEFORMATEX *mix = NULL;
        char mixdesc[96] = "unknown";
        HRESULT mhr = IAudioClient_GetMixFormat(client, &mix);
        int32_t mixfmt = 0;
        if (SUCCEEDED(mhr) && mix != NULL) {
            describe_wf(mix, mixdesc, sizeof mixdesc);
            mixfmt = pac_format_of(mix);
        }
        if (mix == NULL || mixfmt == 0 || (int32_t)mix->nSamplesPerSec != s->rate ||
            (int32_t)mix->nChannels != s->channels) {
            int32_t rc = hr_fail(PAC_E_FORMAT_UNSUPPORTED, hr,
                                 "the endpoint %s mixes %s and Windows cannot deliver %s %d Hz %d ch from it; "
                                 "ask for the mix format's rate and channels (any of s16le, s32le, f32le)",
                                 ws->device_label, mixdesc, format_name(s->format), s->rate, s->channels);
            if (mix != NULL) CoTaskMemFree(mix);
            IAudioClient_Release(client);
            return rc;
        }
        IAudioClient_Release(client);
        client = NULL;
        hr = activate_client(dev_for_retry, &client);
        if (SUCCEEDED(hr))
            hr = IAudioClient_Initialize(client, AUDCLNT_SHAREMODE_SHARED,
                                         AUDCLNT_STREAMFLAGS_EVENTCALLBACK |
                                             (ws->loopback ? AUDCLNT_STREAMFLAGS_LOOPBACK : 0),
                                         buffer_hns, 0, mix, NULL);
        CoTaskMemFree(mix);
        convert_from = mixfmt;
    }
    if (FAILED(hr)) {
        int32_t status = hr == AUDCLNT_E_UNSUPPORTED_FORMAT ? PAC_E_FORMAT_UNSUPPORTED
                       : hr == AUDCLNT_E_DEVICE_INVALIDATED ? PAC_E_DEVICE_NOT_FOUND : PAC_E_INTERNAL;
        if (client != NULL) IAudioClient_Release(client);
        return hr_fail(status, hr, "IAudioClient::Initialize(shared, %s %d Hz %d ch%s) on %s",
                       format_name(s->format), s->rate, s->channels, ws->loopback ? ", loopback" : "",
                       ws->device_label);
    }
    IAudioCaptureClient *cap = NULL;
    hr = IAudioClient_SetEventHandle(client, ws->buffer_event);
    if (SUCCEEDED(hr)) hr = IAudioClient_GetService(client, &IID_IAudioCaptureClient, (void **)&cap);
    if (FAILED(hr)) {
        IAudioClient_Release(client);
        if (hr == AUDCLNT_E_WRONG_ENDPOINT_TYPE && ws->loopback)
            return hr_fail(PAC_E_BACKEND_UNAVAILABLE, hr,
                           "this WASAPI cannot capture the loopback of render endpoint %s (Wine before 9.12 cannot)",
                           ws->device_label);
        return hr_fail(PAC_E_INTERNAL, hr, "IAudioClient::GetService(IAudioCaptureClient) on %s", ws->device_label);
    }
    REFERENCE_TIME period = 0;
    if (FAILED(IAudioClient_GetDevicePeriod(client, &period, NULL)) || period <= 0) period = 100000;
    hr = IAudioClient_Start(client);
    if (FAILED(hr)) {
        IAudioCaptureClient_Release(cap);
        IAudioClient_Release(client);
        return hr_fail(PAC_E_INTERNAL, hr, "IAudioClient::Start on %s", ws->device_label);
    }
    EnterCriticalSection(&ws->client_lock);
    ws->client = client;
    ws->capture = cap;
    ws->convert_from = convert_from;
    ws->client_frame_bytes = (convert_from ? pac_bytes_per_sample(convert_from) : pac_bytes_per_sample(s->format)) *
                             s->channels;
    ws->period_ns = (int64_t)period * 100;
    LeaveCriticalSection(&ws->client_lock);
    if (InterlockedCompareExchange(&ws->paused, 0, 0)) IAudioClient_Stop(client);
    return PAC_OK;
}

/* Finds the endpoint this stream captures now and starts a client on it.
   PAC_E_DEVICE_NOT_FOUND when there is none (a default-following stream then waits). */
static int32_t attach_endpoint(wasapi_stream *ws) {
    IMMDevice *dev = NULL;
    HRESULT hr;
    if (ws->follows_default) {
        hr = IMMDeviceEnumerator_GetDefaultAudioEndpoint(ws->enumerator, ws->flow, eConsole, &dev);
        if (FAILED(hr))
            return hr_fail(PAC_E_DEVICE_NOT_FOUND, hr, "there is no default %s endpoint",
                           ws->flow == eRender ? "render (output)" : "capture (input)");
    } else {
        hr = IMMDeviceEnumerator_GetDevice(ws->enumerator, ws->device_id, &dev);
        if (FAILED(hr))
            return hr_fail(PAC_E_DEVICE_NOT_FOUND, hr, "no audio endpoint with id '%s'", ws->device_label);
        DWORD state = 0;
        IMMDevice_GetState(dev, &state);
        if (state != DEVICE_STATE_ACTIVE) {
            IMMDevice_Release(dev);
            return pac_fail(PAC_E_DEVICE_NOT_FOUND, "the audio endpoint '%s' is not active (state 0x%lx)",
                            ws->device_label, (unsigned long)state);
        }
        EDataFlow f = flow_of(dev);
        if (f != eRender && f != eCapture) {
            IMMDevice_Release(dev);
            return pac_fail(PAC_E_DEVICE_NOT_FOUND, "'%s' is neither a render nor a capture endpoint", ws->device_label);
        }
        ws->flow = f;
        ws->loopback = f == eRender;
    }
    if (ws->follows_default) {
        char name[200];
        friendly_name(dev, name, sizeof name);
        snprintf(ws->device_label, sizeof ws->device_label, "'%s' (the default %s)", name,
                 ws->flow == eRender ? "output" : "input");
    }
    IAudioClient *client = NULL;
    hr = activate_client(dev, &client);
    int32_t rc;
    if (FAILED(hr)) rc = hr_fail(PAC_E_INTERNAL, hr, "IMMDevice::Activate(IAudioClient) on %s", ws->device_label);
    else rc = start_client(ws, client, dev);
    IMMDevice_Release(dev);
    return rc;
}

/* ---- process loopback ------------------------------------------------------ */

typedef struct activation_handler {
    IActivateAudioInterfaceCompletionHandler iface;
    LONG refs;
    HANDLE done;
} activation_handler;

static HRESULT STDMETHODCALLTYPE ah_query(IActivateAudioInterfaceCompletionHandler *i, REFIID riid, void **out) {
    /* IAgileObject: Windows calls the handler from any thread, and requires saying so */
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IActivateAudioInterfaceCompletionHandler) ||
        IsEqualIID(riid, &IID_IAgileObject)) {
        *out = i;
        IActivateAudioInterfaceCompletionHandler_AddRef(i);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE ah_addref(IActivateAudioInterfaceCompletionHandler *i) {
    return (ULONG)InterlockedIncrement(&((activation_handler *)i)->refs);
}
static ULONG STDMETHODCALLTYPE ah_release(IActivateAudioInterfaceCompletionHandler *i) {
    activation_handler *h = (activation_handler *)i;
    LONG r = InterlockedDecrement(&h->refs);
    if (r == 0) { CloseHandle(h->done); free(h); }
    return (ULONG)r;
}
static HRESULT STDMETHODCALLTYPE ah_completed(IActivateAudioInterfaceCompletionHandler *i,
                                              IActivateAudioInterfaceAsyncOperation *op) {
    (void)op;
    SetEvent(((activation_handler *)i)->done);
    return S_OK;
}
static const IActivateAudioInterfaceCompletionHandlerVtbl activation_vtbl = {
    ah_query, ah_addref, ah_release, ah_completed,
};

static DWORD windows_build(void) {
    typedef LONG (WINAPI *rtl_get_version_fn)(OSVERSIONINFOW *);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    rtl_get_version_fn get = ntdll ? (rtl_get_version_fn)(void (*)(void))GetProcAddress(ntdll, "RtlGetVersion") : NULL;
    OSVERSIONINFOW v;
    memset(&v, 0, sizeof v);
    v.dwOSVersionInfoSize = sizeof v;
    if (get == NULL || get(&v) != 0) return 0;
    return v.dwBuildNumber;
}

static int32_t attach_process(wasapi_stream *ws, int32_t timeout_ms) {
    DWORD build = windows_build();
    char need[160];
    snprintf(need, sizeof need, "capturing one application needs process loopback, Windows 10 build %d or later "
             "(this is build %lu)", PAC_PROCESS_LOOPBACK_MIN_BUILD, (unsigned long)build);
    HMODULE mmdevapi = LoadLibraryW(L"mmdevapi.dll");
    activate_async_fn activate = mmdevapi != NULL
        ? (activate_async_fn)(void (*)(void))GetProcAddress(mmdevapi, "ActivateAudioInterfaceAsync") : NULL;
    if (activate == NULL) return pac_fail(PAC_E_BACKEND_UNAVAILABLE, "%s; mmdevapi.dll has no ActivateAudioInterfaceAsync", need);

    PAC_AUDIOCLIENT_ACTIVATION_PARAMS params;
    memset(&params, 0, sizeof params);
    params.ActivationType = PAC_AUDIOCLIENT_ACTIVATION_TYPE_PROCESS_LOOPBACK;
    params.ProcessLoopbackParams.TargetProcessId = ws->pid;
    params.ProcessLoopbackParams.ProcessLoopbackMode = PAC_PROCESS_LOOPBACK_MODE_INCLUDE_TARGET_PROCESS_TREE;
    PROPVARIANT pv;
    PropVariantInit(&pv);
    pv.vt = VT_BLOB;
    pv.blob.cbSize = sizeof params;
    pv.blob.pBlobData = (BYTE *)&params;

    activation_handler *h = calloc(1, sizeof *h);
    if (h == NULL) return pac_fail(PAC_E_NO_MEMORY, "calloc of the activation handler failed");
    h->iface.lpVtbl = (IActivateAudioInterfaceCompletionHandlerVtbl *)&activation_vtbl;
    h->refs = 1;
    h->done = CreateEventW(NULL, TRUE, FALSE, NULL);
    IActivateAudioInterfaceAsyncOperation *op = NULL;
    HRESULT hr = activate(PAC_VAD_PROCESS_LOOPBACK, &IID_IAudioClient, &pv, &h->iface, &op);
    int32_t rc = PAC_OK;
    IAudioClient *client = NULL;
    if (FAILED(hr)) {
        rc = hr_fail(PAC_E_BACKEND_UNAVAILABLE, hr, "%s; ActivateAudioInterfaceAsync(VAD\\Process_Loopback)", need);
    } else if (WaitForSingleObject(h->done, (DWORD)(timeout_ms > 0 ? timeout_ms : 5000)) != WAIT_OBJECT_0) {
        rc = pac_fail(PAC_E_BACKEND_UNAVAILABLE, "%s; the process loopback activation did not complete in time", need);
    } else {
        HRESULT result = E_FAIL;
        IUnknown *unk = NULL;
        hr = IActivateAudioInterfaceAsyncOperation_GetActivateResult(op, &result, &unk);
        if (SUCCEEDED(hr)) hr = result;
        if (SUCCEEDED(hr) && unk != NULL) hr = IUnknown_QueryInterface(unk, &IID_IAudioClient, (void **)&client);
        if (unk != NULL) IUnknown_Release(unk);
        if (FAILED(hr) || client == NULL)
            rc = hr_fail(PAC_E_BACKEND_UNAVAILABLE, hr, "%s; the process loopback activation result", need);
    }
    if (op != NULL) IActivateAudioInterfaceAsyncOperation_Release(op);
    ah_release(&h->iface);
    if (rc != PAC_OK) return rc;
    /* no GetMixFormat on a process loopback client: our format, converted by Windows */
    ws->loopback = 1;
    return start_client(ws, client, NULL);
}

/* ---- reading -------------------------------------------------------------- */

static int32_t stream_failed(wasapi_stream *ws, int32_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int32_t stream_failed(wasapi_stream *ws, int32_t status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ws->failure_detail, sizeof ws->failure_detail, fmt, ap);
    va_end(ap);
    ws->failure = status;
    return pac_fail(status, "%s", ws->failure_detail);
}

/* Copies n frames of the held WASAPI packet (from held_offset) into dst. */
static void copy_held(wasapi_stream *ws, uint8_t *dst, UINT32 n) {
    const pac_stream *s = &ws->base;
    int64_t out_frame = s->packet_bytes / s->packet_frames;
    if (ws->held_flags & AUDCLNT_BUFFERFLAGS_SILENT) {
        memset(dst, 0, (size_t)(n * out_frame));
    } else if (ws->convert_from == 0) {
        memcpy(dst, ws->held + (size_t)ws->held_offset * (size_t)ws->client_frame_bytes, (size_t)(n * out_frame));
    } else {
        convert_samples(dst, s->format, ws->held + (size_t)ws->held_offset * (size_t)ws->client_frame_bytes,
                        ws->convert_from, (int64_t)n * s->channels);
    }
    ws->held_offset += n;
}

/* Handles a route change or a lost endpoint; the reader only. */
static int32_t reattach(wasapi_stream *ws, const char *why) {
    detach_client(ws);
    ws->carry_frames = 0;
    ws->pending_flags |= PAC_FLAG_DISCONTINUITY | PAC_FLAG_ROUTE_CHANGED;
    pac_call_begin();  /* a failed attempt's detail is not this read's */
    int32_t rc = attach_endpoint(ws);
    (void)why;
    if (rc != PAC_OK) ws->retry_at_ns = pac_now_ns() + 200000000LL; /* no default now: silent until one appears */
    ws->next_ns = pac_now_ns();
    return PAC_OK;
}

static int32_t handle_lost(wasapi_stream *ws, HRESULT hr) {
    if (ws->follows_default) return reattach(ws, "invalidated");
    char meaning[200];
    hr_describe(hr, meaning, sizeof meaning);
    return stream_failed(ws, PAC_E_DEVICE_LOST, "the audio endpoint %s went away: HRESULT 0x%08lX (%s)",
                         ws->device_label, (unsigned long)hr, meaning);
}

/* Whether packets are synthesized when nothing arrives: loopback delivers nothing while
   nothing plays, and a default-following stream may have no endpoint at all. */
static int paces_silence(const wasapi_stream *ws) {
    return ws->loopback || ws->client == NULL;
}

static int32_t wasapi_read(pac_stream *s, uint8_t *dst, int64_t capacity, int32_t timeout_ms,
                           pac_packet_info *info) {
    (void)capacity;
    wasapi_stream *ws = (wasapi_stream *)s;
    const int64_t frame_bytes = s->packet_bytes / s->packet_frames;
    const int64_t start_ns = pac_now_ns();
    const int64_t deadline_ns = start_ns + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
    const int64_t packet_ns = frames_ns(s->packet_frames, s->rate);
    int32_t filled = 0;
    int64_t ts = 0;
    uint32_t flags = 0;

    if (ws->failure != PAC_OK) return pac_fail(ws->failure, "%s", ws->failure_detail);
    if (InterlockedCompareExchange(&ws->interrupted, 0, 0)) return pac_fail(PAC_E_CLOSED, "stream interrupted");

    if (ws->carry_frames > 0) {
        memcpy(dst, ws->carry, (size_t)(ws->carry_frames * frame_bytes));
        filled = ws->carry_frames;
        ts = ws->carry_ts;
        flags = ws->carry_flags;
        ws->carry_frames = 0;
    }

    for (;;) {
        if (InterlockedCompareExchange(&ws->interrupted, 0, 0)) return pac_fail(PAC_E_CLOSED, "stream interrupted");
        if (InterlockedExchange(&ws->device_gone, 0)) {
            detach_client(ws);
            return stream_failed(ws, PAC_E_DEVICE_LOST, "the audio endpoint %s went away", ws->device_label);
        }
        if (ws->follows_default && InterlockedExchange(&ws->route_changed, 0)) {
            reattach(ws, "default changed");
            filled = 0; /* what was copied came from the old endpoint: the new one starts a packet */
        }
        if (InterlockedCompareExchange(&ws->resume_pending, 0, 0)) {
            /* under client_lock, so a pause() racing with this resume wins: it either sees
               the client started and stops it, or this sees paused and stays stopped */
            EnterCriticalSection(&ws->client_lock);
            if (!InterlockedCompareExchange(&ws->paused, 0, 0)) {
                InterlockedExchange(&ws->resume_pending, 0);
                if (ws->held != NULL) IAudioCaptureClient_ReleaseBuffer(ws->capture, ws->held_frames);
                ws->held = NULL;
                filled = 0;
                ws->carry_frames = 0;
                if (ws->client != NULL) { /* drop what was buffered before the pause */
                    IAudioClient_Stop(ws->client);
                    IAudioClient_Reset(ws->client);
                    IAudioClient_Start(ws->client);
                }
                ws->pending_flags |= PAC_FLAG_DISCONTINUITY | PAC_FLAG_RESUMED;
                ws->next_ns = pac_now_ns();
            }
            LeaveCriticalSection(&ws->client_lock);
        }
        int paused = InterlockedCompareExchange(&ws->paused, 0, 0) != 0;
        if (!paused && ws->client == NULL && ws->follows_default && pac_now_ns() >= ws->retry_at_ns) {
            pac_call_begin();
            if (attach_endpoint(ws) != PAC_OK) ws->retry_at_ns = pac_now_ns() + 200000000LL;
            else ws->pending_flags |= PAC_FLAG_DISCONTINUITY | PAC_FLAG_ROUTE_CHANGED;
        }

        /* take what the held packet and the next WASAPI packets hold */
        while (!paused && filled < s->packet_frames && ws->capture != NULL) {
            if (ws->held == NULL) {
                BYTE *data = NULL;
                UINT32 frames = 0;
                DWORD bflags = 0;
                UINT64 devpos = 0, qpc = 0;
                HRESULT hr = IAudioCaptureClient_GetBuffer(ws->capture, &data, &frames, &bflags, &devpos, &qpc);
                if (hr == AUDCLNT_S_BUFFER_EMPTY) break;
                if (FAILED(hr)) {
                    if (hr == AUDCLNT_E_DEVICE_INVALIDATED) {
                        int32_t rc = handle_lost(ws, hr);
                        if (rc != PAC_OK) return rc;
                        filled = 0;
                        break;
                    }
                    return stream_failed(ws, PAC_E_INTERNAL, "IAudioCaptureClient::GetBuffer: HRESULT 0x%08lX",
                                         (unsigned long)hr);
                }
                if (frames == 0) { IAudioCaptureClient_ReleaseBuffer(ws->capture, 0); break; }
                ws->held = data;
                ws->held_frames = frames;
                ws->held_offset = 0;
                ws->held_flags = bflags;
                ws->held_ts = (bflags & AUDCLNT_BUFFERFLAGS_TIMESTAMP_ERROR) || qpc == 0
                    ? pac_now_ns() - frames_ns(frames, s->rate) : (int64_t)qpc * 100;
                if (bflags & AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY) ws->pending_flags |= PAC_FLAG_DISCONTINUITY;
            }
            if (filled == 0) {
                ts = ws->held_ts + frames_ns(ws->held_offset, s->rate);
                flags = ws->pending_flags;
                ws->pending_flags = 0;
            } else {
                flags |= ws->pending_flags;
                ws->pending_flags = 0;
            }
            UINT32 want = (UINT32)(s->packet_frames - filled);
            UINT32 have = ws->held_frames - ws->held_offset;
            UINT32 n = want < have ? want : have;
            copy_held(ws, dst + filled * frame_bytes, n);
            filled += (int32_t)n;
            if (ws->held_offset == ws->held_frames) {
                IAudioCaptureClient_ReleaseBuffer(ws->capture, ws->held_frames);
                ws->held = NULL;
            }
        }
        if (filled == s->packet_frames) break;

        /* nothing more now: silence on the clock, or wait */
        int64_t now = pac_now_ns();
        int64_t slack = 2 * (ws->period_ns > 0 ? ws->period_ns : 10000000LL);
        int64_t silence_due = ws->next_ns + packet_ns + slack;
        if (!paused && paces_silence(ws) && now >= silence_due) {
            if (filled == 0) {
                ts = ws->next_ns;
                flags = ws->pending_flags;
                ws->pending_flags = 0;
            }
            memset(dst + filled * frame_bytes, 0, (size_t)((s->packet_frames - filled) * frame_bytes));
            filled = s->packet_frames;
            break;
        }
        if (now >= deadline_ns) {
            if (filled > 0) { /* keep what was copied: the next read starts with it */
                memcpy(ws->carry, dst, (size_t)(filled * frame_bytes));
                ws->carry_frames = filled;
                ws->carry_ts = ts;
                ws->carry_flags = flags;
            }
            return pac_fail(PAC_E_TIMEOUT, "no packet within %d ms", timeout_ms);
        }
        int64_t until = deadline_ns;
        if (!paused && paces_silence(ws) && silence_due < until) until = silence_due;
        if (!paused && ws->client == NULL && ws->retry_at_ns < until) until = ws->retry_at_ns;
        int64_t wait_ms = (until - now + 999999) / 1000000;
        if (wait_ms > 200) wait_ms = 200; /* a missed event costs at most this */
        if (wait_ms < 1) wait_ms = 1;
        HANDLE handles[3] = { ws->interrupt_event, ws->wake_event, ws->buffer_event };
        WaitForMultipleObjects(3, handles, FALSE, (DWORD)wait_ms);
    }

    if (pac_all_zero(dst, s->packet_bytes)) flags |= PAC_FLAG_SILENT;
    info->bytes = s->packet_bytes;
    info->frames = s->packet_frames;
    info->timestamp_ns = ts;
    info->position = ws->position;
    info->flags = flags;
    info->reserved = 0;
    ws->position += s->packet_frames;
    ws->next_ns = ts + packet_ns;
    return PAC_OK;
}

static int32_t wasapi_stats(pac_stream *s, pac_stream_stats *stats) {
    wasapi_stream *ws = (wasapi_stream *)s;
    REFERENCE_TIME latency = 0;
    int known = 0;
    EnterCriticalSection(&ws->client_lock);
    if (ws->client != NULL && SUCCEEDED(IAudioClient_GetStreamLatency(ws->client, &latency))) known = 1;
    LeaveCriticalSection(&ws->client_lock);
    stats->latency_ns = known ? (int64_t)latency * 100 : 0;
    stats->latency_known = known;
    stats->reserved = 0;
    return PAC_OK;
}

static int32_t wasapi_interrupt(pac_stream *s) {
    wasapi_stream *ws = (wasapi_stream *)s;
    InterlockedExchange(&ws->interrupted, 1);
    SetEvent(ws->interrupt_event);
    return PAC_OK;
}

static int32_t wasapi_pause(pac_stream *s, int32_t paused) {
    wasapi_stream *ws = (wasapi_stream *)s;
    EnterCriticalSection(&ws->client_lock);
    if (paused) {
        InterlockedExchange(&ws->paused, 1);
        if (ws->client != NULL) IAudioClient_Stop(ws->client); /* no data, no engine work while paused */
    } else if (InterlockedExchange(&ws->paused, 0)) {
        InterlockedExchange(&ws->resume_pending, 1); /* the reader flushes and restarts */
    }
    LeaveCriticalSection(&ws->client_lock);
    SetEvent(ws->wake_event);
    return PAC_OK;
}

static void stream_free(wasapi_stream *ws) {
    detach_client(ws);
    if (ws->enumerator != NULL) {
        notifier_detach(ws->enumerator, ws->notes);
        IMMDeviceEnumerator_Release(ws->enumerator);
    }
    if (ws->buffer_event) CloseHandle(ws->buffer_event);
    if (ws->interrupt_event) CloseHandle(ws->interrupt_event);
    if (ws->wake_event) CloseHandle(ws->wake_event);
    DeleteCriticalSection(&ws->client_lock);
    free(ws->device_id);
    free(ws->carry);
    free(ws);
}

static void wasapi_close(pac_stream *s) {
    if (s != NULL) stream_free((wasapi_stream *)s);
}

static const pac_stream_ops wasapi_stream_ops = {
    .read = wasapi_read,
    .stats = wasapi_stats,
    .interrupt = wasapi_interrupt,
    .pause = wasapi_pause,
    .close = wasapi_close,
};

static DWORD process_by_name(const char *name) {
    WCHAR *wname = utf8_to_wide(name);
    if (wname == NULL) return 0;
    DWORD found = 0;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap != INVALID_HANDLE_VALUE) {
        PROCESSENTRY32W pe;
        pe.dwSize = sizeof pe;
        size_t wl = wcslen(wname);
        for (BOOL ok = Process32FirstW(snap, &pe); ok && found == 0; ok = Process32NextW(snap, &pe)) {
            if (_wcsicmp(pe.szExeFile, wname) == 0 ||
                (wcslen(pe.szExeFile) == wl + 4 && _wcsnicmp(pe.szExeFile, wname, wl) == 0 &&
                 _wcsicmp(pe.szExeFile + wl, L".exe") == 0))
                found = pe.th32ProcessID;
        }
        CloseHandle(snap);
    }
    free(wname);
    return found;
}

static int32_t wasapi_stream_open(pac_context *ctx, const pac_stream_params *p, pac_stream **out) {
    (void)ctx;
    if (out == NULL || p == NULL) return pac_fail(PAC_E_INVALID_ARGUMENT, "params or out is NULL");
    *out = NULL;
    if (p->target < PAC_TARGET_DEFAULT_INPUT || p->target > PAC_TARGET_APPLICATION_NAME)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "target %d outside %d..%d (PAC_TARGET_*)", p->target,
                        PAC_TARGET_DEFAULT_INPUT, PAC_TARGET_APPLICATION_NAME);
    if (p->buffer_ms < 1 || p->buffer_ms > 60000)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "buffer_ms %d outside 1..60000", p->buffer_ms);
    if (p->target == PAC_TARGET_DEVICE && (p->device_id == NULL || p->device_id[0] == 0))
        return pac_fail(PAC_E_INVALID_ARGUMENT, "device_id is empty (PAC_TARGET_DEVICE needs one)");
    if (p->target == PAC_TARGET_APPLICATION_PID && p->pid == 0)
        return pac_fail(PAC_E_INVALID_ARGUMENT, "pid is 0 (PAC_TARGET_APPLICATION_PID needs one)");
    if (p->target == PAC_TARGET_APPLICATION_NAME && (p->application == NULL || p->application[0] == 0))
        return pac_fail(PAC_E_INVALID_ARGUMENT, "application is empty (PAC_TARGET_APPLICATION_NAME needs one)");
    wasapi_stream *ws = calloc(1, sizeof *ws);
    if (ws == NULL) return pac_fail(PAC_E_NO_MEMORY, "calloc of the wasapi stream failed");
    pac_stream_init(&ws->base, &wasapi_stream_ops, p); /* common.c validated format, rate, channels, frames */
    int32_t rc;
    InitializeCriticalSection(&ws->client_lock);
    ws->target = p->target;
    ws->buffer_ms = p->buffer_ms;
    ws->carry = malloc((size_t)ws->base.packet_bytes);
    ws->buffer_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    ws->interrupt_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    ws->wake_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (ws->carry == NULL || !ws->buffer_event || !ws->interrupt_event || !ws->wake_event) {
        stream_free(ws);
        return pac_fail(PAC_E_NO_MEMORY, "stream buffers or events could not be created");
    }
    rc = com_ready();
    if (rc == PAC_OK) rc = new_enumerator(&ws->enumerator);
    if (rc != PAC_OK) { stream_free(ws); return rc; }

    switch (p->target) {
    case PAC_TARGET_DEFAULT_INPUT:
    case PAC_TARGET_DEFAULT_OUTPUT:
        ws->follows_default = 1;
        ws->flow = p->target == PAC_TARGET_DEFAULT_INPUT ? eCapture : eRender;
        ws->loopback = ws->flow == eRender;
        snprintf(ws->device_label, sizeof ws->device_label, "the default %s",
                 ws->flow == eRender ? "output" : "input");
        break;
    case PAC_TARGET_DEVICE:
        ws->device_id = utf8_to_wide(p->device_id);
        snprintf(ws->device_label, sizeof ws->device_label, "%.250s", p->device_id);
        if (ws->device_id == NULL) {
            stream_free(ws);
            return pac_fail(PAC_E_DEVICE_NOT_FOUND, "device id is not valid UTF-8");
        }
        break;
    case PAC_TARGET_APPLICATION_PID:
    case PAC_TARGET_APPLICATION_NAME:
        ws->pid = p->target == PAC_TARGET_APPLICATION_PID ? p->pid : process_by_name(p->application);
        if (ws->pid == 0) {
            stream_free(ws);
            return pac_fail(PAC_E_DEVICE_NOT_FOUND, "no running process named '%.200s'", p->application);
        }
        snprintf(ws->device_label, sizeof ws->device_label, "process %lu", (unsigned long)ws->pid);
        {
            HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, ws->pid);
            if (h == NULL) {
                stream_free(ws);
                return pac_fail(PAC_E_DEVICE_NOT_FOUND, "no process with pid %lu", (unsigned long)ws->pid);
            }
            CloseHandle(h);
        }
        break;
    }
    ws->notes = notifier_attach(ws->enumerator, ws, stream_note);
    ws->next_ns = pac_now_ns();
    if (ws->pid != 0) {
        rc = attach_process(ws, 5000);
    } else {
        rc = attach_endpoint(ws);
        /* a default-following loopback with no output yet waits for one (silent packets) */
        if (rc == PAC_E_DEVICE_NOT_FOUND && ws->follows_default && ws->flow == eRender) {
            pac_call_begin();
            rc = PAC_OK;
            ws->retry_at_ns = pac_now_ns() + 200000000LL;
        }
    }
    if (rc != PAC_OK) { stream_free(ws); return rc; }
    *out = &ws->base;
    return PAC_OK;
}

const pac_backend_ops pac_wasapi_backend = {
    .name = "wasapi",
    .context_open = wasapi_context_open,
    .context_close = wasapi_context_close,
    .devices = wasapi_devices,
    .applications = wasapi_applications,
    .next_event = wasapi_next_event,
    .context_interrupt = wasapi_context_interrupt,
    .stream_open = wasapi_stream_open,
};
