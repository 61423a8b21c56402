/* SPDX-License-Identifier: MIT */
/*
 * Purgatory console: an 8250/16550 UART at serial_base and/or VGA text
 * memory, as kexec-tools' --console-serial / --console-vga ask.
 */
#include <kx/compiler.h>
#include "x86.h"
#include "report.h"

/* Set by kexec-tools (elf_rel_set_symbol); names and sizes are its own. */
uint8_t console_vga = 0;
uint8_t console_serial = 0;
uint16_t serial_base = 0x3f8;
uint32_t serial_baud = 0;

/* 8250 registers, offsets from serial_base. */
#define UART_THR 0	/* transmit holding (DLAB=0) */
#define UART_DLL 0	/* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define MCR_DTR_RTS 0x03
#define LSR_THRE 0x20
#define UART_CLOCK 115200
/* Polls of LSR before writing anyway: a missing UART must not hang us. */
#define UART_SPINS 100000

#define VGA_TEXT ((volatile uint16_t *)VGA_TEXT_PHYS)
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700	/* grey on black */

static int vga_row, vga_col;

void console_init(void)
{
	if (!console_serial)
		return;
	kx_outb(LCR_8N1, serial_base + UART_LCR);
	kx_outb(0, serial_base + UART_IER);	/* polled */
	kx_outb(0, serial_base + UART_FCR);
	kx_outb(MCR_DTR_RTS, serial_base + UART_MCR);
	if (serial_baud) {
		uint32_t div = UART_CLOCK / serial_baud;

		kx_outb(LCR_8N1 | LCR_DLAB, serial_base + UART_LCR);
		kx_outb(div & 0xff, serial_base + UART_DLL);
		kx_outb((div >> 8) & 0xff, serial_base + UART_DLM);
		kx_outb(LCR_8N1, serial_base + UART_LCR);
	}
}

static void uart_putc(char c)
{
	for (int i = 0; i < UART_SPINS; i++)
		if (kx_inb(serial_base + UART_LSR) & LSR_THRE)
			break;
	kx_outb((uint8_t)c, serial_base + UART_THR);
}

static void vga_putc(char c)
{
	if (c == '\n') {
		vga_col = 0;
		vga_row++;
	} else {
		VGA_TEXT[vga_row * VGA_COLS + vga_col] = VGA_ATTR | (uint8_t)c;
		if (++vga_col == VGA_COLS) {
			vga_col = 0;
			vga_row++;
		}
	}
	if (vga_row == VGA_ROWS) {
		for (int i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
			VGA_TEXT[i] = VGA_TEXT[i + VGA_COLS];
		for (int i = 0; i < VGA_COLS; i++)
			VGA_TEXT[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
		vga_row--;
	}
}

void kx_port_putc(char c)
{
	if (console_serial) {
		if (c == '\n')
			uart_putc('\r');
		uart_putc(c);
	}
	if (console_vga)
		vga_putc(c);
}

/*
 * Standard VGA mode 3 (80x25 colour text) register values, written so a
 * console left in a graphics mode by the old kernel shows text again.
 */
static const uint8_t seq_mode3[5] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t crtc_mode3[25] = {
	0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d,
	0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96,
	0xb9, 0xa3, 0xff,
};
static const uint8_t gc_mode3[9] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff,
};
static const uint8_t ac_mode3[21] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
	0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00,
};

#define VGA_AC 0x3c0		/* attribute controller index/data */
#define VGA_MISC_W 0x3c2
#define VGA_SEQ 0x3c4
#define VGA_GC 0x3ce
#define VGA_CRTC 0x3d4
#define VGA_STATUS1 0x3da	/* reading it resets the AC flip-flop */
#define CRTC_VRETRACE_END 0x11	/* bit 7 write-protects CRTC 0-7 */
#define AC_PALETTE_ON 0x20

void vga_reset(void)
{
	unsigned i;

	kx_outb(0x67, VGA_MISC_W);
	for (i = 0; i < sizeof(seq_mode3); i++) {
		kx_outb((uint8_t)i, VGA_SEQ);
		kx_outb(seq_mode3[i], VGA_SEQ + 1);
	}
	kx_outb(CRTC_VRETRACE_END, VGA_CRTC);
	kx_outb(kx_inb(VGA_CRTC + 1) & 0x7f, VGA_CRTC + 1);
	for (i = 0; i < sizeof(crtc_mode3); i++) {
		kx_outb((uint8_t)i, VGA_CRTC);
		kx_outb(crtc_mode3[i], VGA_CRTC + 1);
	}
	for (i = 0; i < sizeof(gc_mode3); i++) {
		kx_outb((uint8_t)i, VGA_GC);
		kx_outb(gc_mode3[i], VGA_GC + 1);
	}
	kx_inb(VGA_STATUS1);
	for (i = 0; i < sizeof(ac_mode3); i++) {
		kx_outb((uint8_t)i, VGA_AC);
		kx_outb(ac_mode3[i], VGA_AC);
	}
	kx_outb(AC_PALETTE_ON, VGA_AC);
	for (i = 0; i < VGA_ROWS * VGA_COLS; i++)
		VGA_TEXT[i] = VGA_ATTR | ' ';
	vga_row = vga_col = 0;
}

void kx_port_halt(void)
{
	halt_forever();
}
