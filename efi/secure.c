/* SPDX-License-Identifier: MIT */
/* kxboot under Secure Boot and measured boot (secure.h). */
#include <kx/compiler.h>
#include <kx/format.h>
#include <kx/sha256.h>
#include "handoff.h"
#include "secure.h"

int kxb_secure_boot;
int kxb_have_tpm;

/* ------------------------------------------------------------ shim */

/* shim's protocol (shim.h): Verify checks a PE buffer against db, dbx,
 * MokList and MokListX.  The other members are not used. */
#define KXB_SHIM_LOCK_GUID \
	{ 0x605dab50, 0xe046, 0x4300, { 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23 } }
struct kxb_shim_lock {
	EFI_STATUS (EFIAPI *verify)(void *buffer, UINT32 size);
	void *hash;
	void *context;
};

/* ------------------------------------------------------------ TCG2 */

/* TCG EFI Protocol Specification (rev. 00.13): the protocol and its
 * structures, which GNU-EFI 3.0.15 does not define. */
#define KXB_TCG2_GUID \
	{ 0x607f766c, 0x7455, 0x42be, { 0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f } }
#define KXB_EV_IPL		0x0000000d
#define KXB_TCG2_HEADER_VERSION	1
#define KXB_TCG2_LOG_FORMAT_2	0x00000002	/* crypto agile */

struct kxb_tcg2_version {
	UINT8 major, minor;
};

struct kxb_tcg2_capability {
	UINT8 size;
	struct kxb_tcg2_version structure_version;
	struct kxb_tcg2_version protocol_version;
	UINT32 hash_algorithm_bitmap;
	UINT32 supported_event_logs;
	UINT8 tpm_present;
	UINT16 max_command_size;
	UINT16 max_response_size;
	UINT32 manufacturer_id;
	UINT32 number_of_pcr_banks;
	UINT32 active_pcr_banks;
};	/* natural alignment (36 bytes), unlike the event structures */

struct kxb_tcg2_event {
	UINT32 size;			/* the whole structure with the event data */
	UINT32 header_size;		/* 14: header_size to event_type */
	UINT16 header_version;
	UINT32 pcr_index;
	UINT32 event_type;
	UINT8 event[];
} __attribute__((packed));

struct kxb_tcg2 {
	EFI_STATUS (EFIAPI *get_capability)(struct kxb_tcg2 *self,
					    struct kxb_tcg2_capability *cap);
	EFI_STATUS (EFIAPI *get_event_log)(struct kxb_tcg2 *self, UINT32 format,
					   EFI_PHYSICAL_ADDRESS *location,
					   EFI_PHYSICAL_ADDRESS *last, BOOLEAN *truncated);
	EFI_STATUS (EFIAPI *hash_log_extend_event)(struct kxb_tcg2 *self, UINT64 flags,
						   EFI_PHYSICAL_ADDRESS data, UINT64 len,
						   struct kxb_tcg2_event *event);
	/* SubmitCommand and the PCR-bank calls are not used. */
};

static struct kxb_tcg2 *tcg2;

/* ------------------------------------------------------------ state */

#define MAX_MEASUREMENTS 16
static struct kx_measurement meas[MAX_MEASUREMENTS];
static unsigned nmeas;
static int verified_by_shim;

/* A UINT8 global variable, or -1 when it cannot be read. */
static int global_u8(CHAR16 *name)
{
	UINT8 v = 0;
	UINTN size = sizeof(v);
	UINT32 attr;
	EFI_STATUS st;

	st = uefi_call_wrapper(RT->GetVariable, 5, name, &gEfiGlobalVariableGuid,
			       &attr, &size, &v);
	return st == EFI_SUCCESS && size == 1 ? v : -1;
}

static void tpm_init(void)
{
	static EFI_GUID guid = KXB_TCG2_GUID;
	struct kxb_tcg2_capability cap;
	EFI_STATUS st;

	if (uefi_call_wrapper(BS->LocateProtocol, 3, &guid, NULL,
			      (void **)&tcg2) != EFI_SUCCESS || !tcg2) {
		tcg2 = NULL;
		kxb_say("kxboot: measured boot: no TPM (the firmware has no EFI_TCG2_PROTOCOL): nothing is measured\n");
		return;
	}
	kx_memset(&cap, 0, sizeof(cap));
	cap.size = sizeof(cap);
	st = uefi_call_wrapper(tcg2->get_capability, 2, tcg2, &cap);
	if (st != EFI_SUCCESS || !cap.tpm_present) {
		tcg2 = NULL;
		kxb_say("kxboot: measured boot: EFI_TCG2_PROTOCOL without a TPM (GetCapability %s): nothing is measured\n",
			st == EFI_SUCCESS ? "says none present" : "failed");
		return;
	}
	kxb_have_tpm = 1;
	kxb_say("kxboot: measured boot: TPM 2.0 (TCG2 protocol %u.%u, banks 0x%x active): kernel PCR %u, initrd and dtb PCR %u, command line PCR %u\n",
		cap.protocol_version.major, cap.protocol_version.minor,
		cap.active_pcr_banks, KXB_PCR_KERNEL, KXB_PCR_INITRD, KXB_PCR_CMDLINE);
}

static int sb_var, setup_var;

void kxb_secure_read(void)
{
	sb_var = global_u8(L"SecureBoot");
	setup_var = global_u8(L"SetupMode");
	kxb_secure_boot = sb_var == 1 && setup_var == 0;
}

const char *kxb_cmdline_lockdown(const char *cmdline)
{
	static const char key[] = "lockdown=";

	if (!kxb_secure_boot)
		return "";
	for (const char *w = cmdline; *w; w++) {
		unsigned i = 0;

		if (w != cmdline && w[-1] != ' ' && w[-1] != '\t')
			continue;
		while (key[i] && w[i] == key[i])
			i++;
		if (!key[i])
			return "";
	}
	return "lockdown=integrity ";
}

void kxb_secure_init(void)
{
	int sb = sb_var, setup = setup_var;

	if (kxb_secure_boot)
		kxb_say("kxboot: mode: UEFI Secure Boot ON (SecureBoot=1, SetupMode=0): every image is verified before it is loaded\n");
	else if (sb == 1)
		kxb_say("kxboot: mode: UEFI Secure Boot off (SecureBoot=1 but SetupMode=%d): nothing is verified\n",
			setup);
	else
		kxb_say("kxboot: mode: UEFI Secure Boot off (SecureBoot=%d%s): nothing is verified\n",
			sb, sb < 0 ? ", no such variable" : "");
	tpm_init();
}

/* ------------------------------------------------------------ verify */

static const char *sv_text(EFI_STATUS st)
{
	switch (st) {
	case EFI_SECURITY_VIOLATION: return "Security Violation";
	case EFI_ACCESS_DENIED: return "Access Denied";
	case EFI_LOAD_ERROR: return "Load Error";
	case EFI_UNSUPPORTED: return "Unsupported";
	case EFI_OUT_OF_RESOURCES: return "Out of Resources";
	case EFI_INVALID_PARAMETER: return "Invalid Parameter";
	default: return "error";
	}
}

/* The file's device path on kxboot's volume, for the firmware's policy
 * (and its own measurement of images it loads). */
static EFI_DEVICE_PATH *file_path(const char *path)
{
	CHAR16 name[KX_BOOTCONF_PATH_MAX + 2];
	unsigned n = 0;

	if (path[0] != '/' && path[0] != '\\')
		name[n++] = '\\';
	for (const char *s = path; *s && n < KX_BOOTCONF_PATH_MAX; s++)
		name[n++] = *s == '/' ? '\\' : (CHAR16)(unsigned char)*s;
	name[n] = 0;
	return FileDevicePath(kxb_volume, name);
}

void kxb_verify_image(const char *path, const void *buf, uint64_t size,
		      const char *what)
{
	static EFI_GUID shim_guid = KXB_SHIM_LOCK_GUID;
	struct kxb_shim_lock *shim = NULL;
	EFI_DEVICE_PATH *dp;
	EFI_HANDLE h = NULL;
	EFI_STATUS st;

	if (!kxb_secure_boot)
		return;
	if (size > 0xffffffffull)
		kxb_fail(EFI_SECURITY_VIOLATION, "%s %s: %llu bytes, too large to verify",
			 what, path, (unsigned long long)size);
	if (uefi_call_wrapper(BS->LocateProtocol, 3, &shim_guid, NULL,
			      (void **)&shim) == EFI_SUCCESS && shim) {
		st = uefi_call_wrapper(shim->verify, 2, (void *)buf, (UINT32)size);
		if (st != EFI_SUCCESS)
			kxb_fail(EFI_SECURITY_VIOLATION,
				 "%s %s: shim refuses it (SHIM_LOCK Verify: %s): not signed by a key in db or MokList, or revoked",
				 what, path, sv_text(st));
		verified_by_shim = 1;
		kxb_say("kxboot: %s %s: verified by shim (SHIM_LOCK)\n", what, path);
		return;
	}
	/*
	 * The firmware's own check: LoadImage of the buffer succeeds only if
	 * the image is signed by a key in db and not revoked in dbx.  It is
	 * never started; the firmware's copy is dropped at once and kxboot
	 * goes on with the bytes that were verified.
	 */
	dp = file_path(path);
	st = uefi_call_wrapper(BS->LoadImage, 6, FALSE, kxb_image, dp, (void *)buf,
			       (UINTN)size, &h);
	if (dp)
		FreePool(dp);
	if (h)
		uefi_call_wrapper(BS->UnloadImage, 1, h);
	if (st != EFI_SUCCESS)
		kxb_fail(EFI_SECURITY_VIOLATION,
			 "%s %s: the firmware refuses it under Secure Boot (LoadImage: %s): not signed by a key in db, or revoked in dbx",
			 what, path, sv_text(st));
	kxb_say("kxboot: %s %s: verified by the firmware (LoadImage against db/dbx)\n",
		what, path);
}

/* ------------------------------------------------------------ measure */

void kxb_measure(uint32_t pcr, uint32_t kind, const char *what, const char *name,
		 const void *buf, uint64_t size)
{
	static uint8_t ev_buf[sizeof(struct kxb_tcg2_event) + 320];
	struct kxb_tcg2_event *ev = (struct kxb_tcg2_event *)ev_buf;
	struct kx_measurement *m;
	size_t n;
	EFI_STATUS st;

	/* Nothing measured and nothing verified: nothing to record. */
	if (!tcg2 && !kxb_secure_boot)
		return;
	if (nmeas == MAX_MEASUREMENTS)
		kxb_fail(EFI_OUT_OF_RESOURCES, "measured boot: more than %u pieces",
			 MAX_MEASUREMENTS);
	m = &meas[nmeas++];
	kx_memset(m, 0, sizeof(*m));
	m->pcr = KX_MEAS_PCR_NONE;
	m->event_type = KXB_EV_IPL;
	m->kind = kind;
	m->size = size;
	if (kxb_secure_boot && kind == KX_SEG_KERNEL)
		m->flags |= KX_MEAS_F_VERIFIED | (verified_by_shim ? KX_MEAS_F_SHIM : 0);
	kx_sha256(buf, size, m->sha256);
	if (!tcg2)
		return;
	/* Event data: "kxboot: WHAT NAME", ASCII without a NUL. */
	n = kx_snprintf((char *)ev->event, sizeof(ev_buf) - sizeof(*ev), "kxboot: %s%s%s",
			what, name[0] ? " " : "", name);
	if (n >= sizeof(ev_buf) - sizeof(*ev))
		n = sizeof(ev_buf) - sizeof(*ev) - 1;
	ev->size = (UINT32)(sizeof(*ev) + n);
	ev->header_size = sizeof(*ev) - sizeof(ev->size);
	ev->header_version = KXB_TCG2_HEADER_VERSION;
	ev->pcr_index = pcr;
	ev->event_type = KXB_EV_IPL;
	st = uefi_call_wrapper(tcg2->hash_log_extend_event, 5, tcg2, 0ull,
			       (EFI_PHYSICAL_ADDRESS)(uintptr_t)buf, size, ev);
	if (st != EFI_SUCCESS)
		kxb_fail(st, "measured boot: the TPM did not extend PCR %u with %s %s (HashLogExtendEvent: %s)",
			 pcr, what, name, sv_text(st));
	m->pcr = pcr;
	m->flags |= KX_MEAS_F_EXTENDED;
	kxb_say("kxboot: measured %s%s%s: PCR %u, %llu bytes, sha256 ", what,
		name[0] ? " " : "", name, pcr, (unsigned long long)size);
	for (int i = 0; i < KX_SHA256_SIZE; i++)
		kxb_say("%02x", m->sha256[i]);
	kxb_say("\n");
}

const struct kx_measurement *kxb_measurements(unsigned *count)
{
	*count = nmeas;
	return meas;
}

/* ------------------------------------------------------------ event log */

/*
 * A kernel entered without EFI cannot reach the firmware's TCG2 event log
 * (Linux's EFI stub copies it into a configuration table).  On ACPI
 * machines Linux reads the log the TPM2 table's log area (LAML/LASA)
 * names, which QEMU's firmware tables provide and OVMF leaves empty:
 * kxboot copies the firmware's log there after ExitBootServices, so that
 * events the firmware logs up to and at ExitBootServices are in it too.
 */
#define KXB_FINAL_EVENTS_GUID \
	{ 0x1e2ed096, 0x30e2, 0x4254, { 0xbd, 0x89, 0x86, 0x3b, 0xbe, 0xf8, 0x23, 0x25 } }
#define ACPI_TPM2_LAML	64	/* TPM2 table: log area minimum length, u32 */
#define ACPI_TPM2_LASA	68	/* log area start address, u64 */
#define ACPI_TPM2_LOG_END 76

static struct {
	uint64_t log, last;		/* GetEventLog: first and last entry */
	const uint8_t *final;		/* EFI_TCG2_FINAL_EVENTS_TABLE */
	uint64_t final0;		/* its events already in the log */
	uint64_t area, area_len;	/* the ACPI log area */
} elog;

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The bytes of the crypto-agile event at p (TCG_PCR_EVENT2), within max;
 * 0 when it does not parse. */
static uint64_t event2_size(const uint8_t *p, uint64_t max)
{
	uint64_t off = 12, count;

	if (max < off)
		return 0;
	count = le(p + 8, 4);
	for (uint64_t i = 0; i < count && i < 8; i++) {
		unsigned alg, dsize;

		if (off + 2 > max)
			return 0;
		alg = (unsigned)le(p + off, 2);
		dsize = alg == 0x4 ? 20 : alg == 0xb || alg == 0x12 ? 32 :
			alg == 0xc ? 48 : alg == 0xd ? 64 : 0;
		if (!dsize)
			return 0;
		off += 2 + dsize;
	}
	if (count > 8 || off + 4 > max || le(p + off, 4) > max - off - 4)
		return 0;
	return off + 4 + le(p + off, 4);
}

static const uint8_t *acpi_table(const char sig[4])
{
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	const uint8_t *rsdp = kxb_config_table(&acpi20), *xsdt;
	uint32_t n;

	if (!rsdp || rsdp[15] < 2)
		return NULL;
	xsdt = (const uint8_t *)(uintptr_t)le(rsdp + 24, 8);
	if (!xsdt || kx_memcmp(xsdt, "XSDT", 4))
		return NULL;
	n = (uint32_t)le(xsdt + 4, 4);
	for (uint32_t off = 36; off + 8 <= n && off < 36 + 8 * 256; off += 8) {
		const uint8_t *t = (const uint8_t *)(uintptr_t)le(xsdt + off, 8);

		if (t && !kx_memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

void kxb_event_log_prepare(void)
{
	static EFI_GUID final_guid = KXB_FINAL_EVENTS_GUID;
	const uint8_t *tpm2;
	EFI_PHYSICAL_ADDRESS loc = 0, last = 0;
	BOOLEAN trunc = 0;

	if (!tcg2)
		return;
	tpm2 = acpi_table("TPM2");
	if (!tpm2 || le(tpm2 + 4, 4) < ACPI_TPM2_LOG_END ||
	    !le(tpm2 + ACPI_TPM2_LAML, 4) || !le(tpm2 + ACPI_TPM2_LASA, 8)) {
		kxb_say("kxboot: TPM event log: no ACPI TPM2 log area: a kernel entered without EFI will not see the log\n");
		return;
	}
	if (uefi_call_wrapper(tcg2->get_event_log, 5, tcg2, KXB_TCG2_LOG_FORMAT_2,
			      &loc, &last, &trunc) != EFI_SUCCESS || !loc || trunc) {
		kxb_say("kxboot: TPM event log: the firmware gives none (or a truncated one): not passed on\n");
		return;
	}
	elog.log = loc;
	elog.last = last;
	elog.area = le(tpm2 + ACPI_TPM2_LASA, 8);
	elog.area_len = le(tpm2 + ACPI_TPM2_LAML, 4);
	/* Events logged from now on are in the final-events table too. */
	elog.final = kxb_config_table(&final_guid);
	elog.final0 = elog.final ? le(elog.final + 8, 8) : 0;
	kxb_say("kxboot: TPM event log at 0x%llx goes to the ACPI TPM2 log area 0x%llx (%llu bytes) after ExitBootServices\n",
		(unsigned long long)loc, (unsigned long long)elog.area,
		(unsigned long long)elog.area_len);
}

/* After ExitBootServices: nothing may fail back, the log is copied or
 * the reason said. */
void kxb_event_log_hand_over(void)
{
	uint8_t *dst = (uint8_t *)(uintptr_t)elog.area;
	const uint8_t *src = (const uint8_t *)(uintptr_t)elog.log;
	uint64_t len, n = 0, ev = 0;

	if (!elog.area)
		return;
	/* The first entry is the SHA-1-format spec ID event; the last one a
	 * crypto-agile event (the log holds kxboot's measurements). */
	len = elog.last - elog.log;
	if (elog.last <= elog.log ||
	    !(n = event2_size((const uint8_t *)(uintptr_t)elog.last, elog.area_len)) ||
	    len + n > elog.area_len) {
		kxb_late_say("kxboot: TPM event log: does not fit the ACPI log area (%llu bytes): not passed on\n",
			     (unsigned long long)elog.area_len);
		return;
	}
	len += n;
	kx_memmove(dst, src, len);
	if (elog.final) {
		uint64_t count = le(elog.final + 8, 8);
		const uint8_t *p = elog.final + 16;

		for (uint64_t i = 0; i < count && i < 4096; i++) {
			n = event2_size(p, elog.area_len);
			if (!n || len + n > elog.area_len)
				break;
			if (i >= elog.final0) {
				kx_memmove(dst + len, p, n);
				len += n;
				ev++;
			}
			p += n;
		}
	}
	kx_memset(dst + len, 0, elog.area_len - len);
	kxb_late_say("kxboot: TPM event log: %llu bytes (%llu events logged at ExitBootServices) in the ACPI log area 0x%llx\n",
		     (unsigned long long)len, (unsigned long long)ev,
		     (unsigned long long)elog.area);
}
