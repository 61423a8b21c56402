/* SPDX-License-Identifier: MIT */
/*
 * kxboot under UEFI Secure Boot and measured boot (efi/secure.c).
 *
 * Secure Boot: when the firmware enforces it (SecureBoot = 1 and
 * SetupMode = 0 in the global variable namespace), every image kxboot
 * hands control to is verified through the firmware's trust before a
 * destination page is taken: shim's SHIM_LOCK protocol when shim started
 * us (its MOK list applies), otherwise the firmware's own LoadImage of the
 * very buffer kxboot read, unloaded again at once.  What was verified is
 * what is copied and hashed: nothing is read twice.
 *
 * Measured boot: when the firmware has EFI_TCG2_PROTOCOL, each piece the
 * kernel gets is measured with HashLogExtendEvent (EV_IPL, an ASCII
 * description) into the PCRs of docs/kxboot.md: kernel image PCR 4,
 * initrds and dtb PCR 9, the final command line PCR 8.  Every measurement
 * is remembered for the setup page's KX_REC_MEASURED record.
 */
#ifndef KXBOOT_SECURE_H
#define KXBOOT_SECURE_H

#include <kexec_abi.h>
#include "kxboot.h"

/* PCRs, as systemd-boot, shim, GRUB and Linux's EFI stub use them. */
#define KXB_PCR_KERNEL	4	/* the next stage's code (shim, sd-boot via LoadImage) */
#define KXB_PCR_CMDLINE	8	/* kernel command line (GRUB, shim README.tpm) */
#define KXB_PCR_INITRD	9	/* initrds and other loaded files (EFI stub, GRUB) */
#define KXB_PCR_DTB	9

/* The volume kxboot was loaded from (kxboot.c): kernel files' device paths. */
extern EFI_HANDLE kxb_volume;

/* The firmware's Secure Boot state, read once (kxb_secure_read). */
extern int kxb_secure_boot;		/* enforcing: verify everything */
extern int kxb_have_tpm;		/* EFI_TCG2_PROTOCOL with a TPM present */

/* Reads the Secure Boot state (kxb_secure_boot), printing nothing. */
void kxb_secure_read(void);
/* Prints the mode line and finds the TPM. */
void kxb_secure_init(void);

/*
 * What kxboot adds to the kernel's command line under Secure Boot: a
 * kernel entered without EFI cannot see the firmware's state, so
 * lockdown=integrity asks for the lockdown an EFI boot under Secure
 * Boot gets, unless the configuration names a lockdown= of its own.
 * "lockdown=integrity " (to go before kx_setup=), or "" when Secure Boot
 * is off.
 */
const char *kxb_cmdline_lockdown(const char *cmdline);

/*
 * Under Secure Boot: verifies the PE image buf[0..size) read from path
 * (shim's SHIM_LOCK, else the firmware's LoadImage + UnloadImage), or
 * refuses with EFI_SECURITY_VIOLATION naming the file and the status.
 * Says what verified it.  Does nothing when Secure Boot is off.
 */
void kxb_verify_image(const char *path, const void *buf, uint64_t size,
		      const char *what);

/*
 * Measures buf[0..size) into pcr as an EV_IPL event described "kxboot:
 * WHAT NAME", and remembers it (kind KX_SEG_*) for the setup page, also
 * without a TPM under Secure Boot (what was verified and read).  Nothing
 * without either.  Refuses when the TPM fails to extend.
 */
void kxb_measure(uint32_t pcr, uint32_t kind, const char *what, const char *name,
		 const void *buf, uint64_t size);

/*
 * The firmware's event log for a kernel entered without EFI (ACPI TPM2
 * log area): prepare before ExitBootServices, hand over after it.
 */
void kxb_event_log_prepare(void);
void kxb_event_log_hand_over(void);

/* The measurements so far, for the setup page (KX_REC_MEASURED). */
const struct kx_measurement *kxb_measurements(unsigned *count);

#endif
