/* SPDX-License-Identifier: MIT */
/*
 * AVX-512 multi-buffer SHA-256 for the KX lanes digest: dword k of a ZMM
 * register is chain k, so 16 independent messages go through the 64
 * rounds of FIPS 180-4, 6.2.2 at once.  Only called once
 * sha256_x86_64.c has seen AVX512F/BW in CPUID and the ZMM state in XCR0.
 *
 * In assembly because the compiler (GCC 12) kept the 64 round constants
 * as broadcast vectors on the stack and spilled the working variables:
 * 1.9x one SHA-NI chain in C, against the 4 vector pipes' bound of about
 * 4x on AMD Zen 5.  Here every value lives in one of the 32 ZMM
 * registers for a whole block and nothing is spilled:
 *
 *   %zmm0-15   W: the message schedule, a ring of 16 (W[t] in t % 16)
 *   %zmm16-23  a..h, whose roles rotate by one register each round
 *   %zmm24-28  round temporaries, %zmm29-31 schedule temporaries
 *
 * The states of the 16 chains stay transposed on the stack (vector i =
 * word i of every chain) between blocks; round constants are broadcast
 * from kx_sha256_k as memory operands.  Each block is loaded as one
 * vector per chain, transposed in registers, and byte-swapped (the
 * message is big endian).
 */
#include <kx/asm.h>

	.text

/* Stack frame, 64-byte aligned below the saved %rbp. */
#define FRAME_S		0		/* 8 x 64: transposed states */
#define FRAME_OFF	512		/* 16 x 8: offset of each chain's data */
#define FRAME_SIZE	640

/* vpternlogd truth tables (dst, src2, src3 as bits 2, 1, 0 of the index):
 * dst ^ src2 ^ src3, dst ? src2 : src3, majority. */
#define TL_XOR3		0x96
#define TL_CH		0xca
#define TL_MAJ		0xe8

/*
 * sched wt, w1, w9, w14: W[t] for t >= 16 into the ring slot of W[t-16]
 * (6.2.2 step 1): wt += sigma0(w1) + w9 + sigma1(w14), where w1, w9 and
 * w14 hold W[t-15], W[t-7] and W[t-2].  Uses %zmm29-31.
 */
.macro sched wt, w1, w9, w14
	/* sigma0(W[t-15]) = ror7 ^ ror18 ^ shr3 */
	vprord	$7, \w1, %zmm29
	vprord	$18, \w1, %zmm30
	vpsrld	$3, \w1, %zmm31
	vpternlogd $TL_XOR3, %zmm31, %zmm30, %zmm29
	vpaddd	%zmm29, \wt, \wt
	vpaddd	\w9, \wt, \wt
	/* sigma1(W[t-2]) = ror17 ^ ror19 ^ shr10 */
	vprord	$17, \w14, %zmm29
	vprord	$19, \w14, %zmm30
	vpsrld	$10, \w14, %zmm31
	vpternlogd $TL_XOR3, %zmm31, %zmm30, %zmm29
	vpaddd	%zmm29, \wt, \wt
.endm

/*
 * round a, b, c, d, e, f, g, h, w, t: round t with W[t] in w (6.2.2
 * step 3), in place: d += T1 and h = T1 + T2, so the caller names the
 * registers one step further round for the next round.  The additions
 * into T1 come in the order their inputs are ready, Sigma1(e) last, so
 * that the chain from e to the next e is four operations long.  Uses
 * %zmm24-28.
 */
.macro round a, b, c, d, e, f, g, h, w, t
	/* h += K[t] + W[t]; %zmm25 = Ch(e, f, g) */
	vpaddd	kx_sha256_k + 4 * (\t)(%rip){1to16}, \w, %zmm24
	vpaddd	%zmm24, \h, \h
	vmovdqa64 \e, %zmm25
	vpternlogd $TL_CH, \g, \f, %zmm25
	/* %zmm26 = Sigma1(e) = ror6 ^ ror11 ^ ror25 */
	vprord	$6, \e, %zmm26
	vprord	$11, \e, %zmm27
	vprord	$25, \e, %zmm28
	vpternlogd $TL_XOR3, %zmm28, %zmm27, %zmm26
	/* h = T1 = h + K[t] + W[t] + Ch + Sigma1; d += T1 */
	vpaddd	%zmm25, \h, \h
	vpaddd	%zmm26, \h, \h
	vpaddd	\h, \d, \d
	/* %zmm24 = Sigma0(a) = ror2 ^ ror13 ^ ror22, plus Maj(a, b, c) */
	vprord	$2, \a, %zmm24
	vprord	$13, \a, %zmm25
	vprord	$22, \a, %zmm26
	vpternlogd $TL_XOR3, %zmm26, %zmm25, %zmm24
	vmovdqa64 \a, %zmm27
	vpternlogd $TL_MAJ, \c, \b, %zmm27
	vpaddd	%zmm27, %zmm24, %zmm24
	/* h = T1 + T2 */
	vpaddd	%zmm24, \h, \h
.endm

/* Round t with W[t] in w: W[t] computed first from t = 16 on. */
.macro round_s a, b, c, d, e, f, g, h, t, w, w1, w9, w14
	.if (\t) >= 16
	sched	\w, \w1, \w9, \w14
	.endif
	round	\a, \b, \c, \d, \e, \f, \g, \h, \w, \t
.endm

/*
 * rounds16 t: rounds t..t+15 (t a multiple of 16), a..h in
 * %zmm16-23 at the start and again at the end (16 is twice the cycle of
 * eight names).  Arguments after t: W[t] and the ring slots of W[t-15],
 * W[t-7] and W[t-2] (as sched).
 */
.macro rounds16 t
	round_s	%zmm16, %zmm17, %zmm18, %zmm19, %zmm20, %zmm21, %zmm22, %zmm23, \t + 0,  %zmm0,  %zmm1,  %zmm9,  %zmm14
	round_s	%zmm23, %zmm16, %zmm17, %zmm18, %zmm19, %zmm20, %zmm21, %zmm22, \t + 1,  %zmm1,  %zmm2,  %zmm10, %zmm15
	round_s	%zmm22, %zmm23, %zmm16, %zmm17, %zmm18, %zmm19, %zmm20, %zmm21, \t + 2,  %zmm2,  %zmm3,  %zmm11, %zmm0
	round_s	%zmm21, %zmm22, %zmm23, %zmm16, %zmm17, %zmm18, %zmm19, %zmm20, \t + 3,  %zmm3,  %zmm4,  %zmm12, %zmm1
	round_s	%zmm20, %zmm21, %zmm22, %zmm23, %zmm16, %zmm17, %zmm18, %zmm19, \t + 4,  %zmm4,  %zmm5,  %zmm13, %zmm2
	round_s	%zmm19, %zmm20, %zmm21, %zmm22, %zmm23, %zmm16, %zmm17, %zmm18, \t + 5,  %zmm5,  %zmm6,  %zmm14, %zmm3
	round_s	%zmm18, %zmm19, %zmm20, %zmm21, %zmm22, %zmm23, %zmm16, %zmm17, \t + 6,  %zmm6,  %zmm7,  %zmm15, %zmm4
	round_s	%zmm17, %zmm18, %zmm19, %zmm20, %zmm21, %zmm22, %zmm23, %zmm16, \t + 7,  %zmm7,  %zmm8,  %zmm0,  %zmm5
	round_s	%zmm16, %zmm17, %zmm18, %zmm19, %zmm20, %zmm21, %zmm22, %zmm23, \t + 8,  %zmm8,  %zmm9,  %zmm1,  %zmm6
	round_s	%zmm23, %zmm16, %zmm17, %zmm18, %zmm19, %zmm20, %zmm21, %zmm22, \t + 9,  %zmm9,  %zmm10, %zmm2,  %zmm7
	round_s	%zmm22, %zmm23, %zmm16, %zmm17, %zmm18, %zmm19, %zmm20, %zmm21, \t + 10, %zmm10, %zmm11, %zmm3,  %zmm8
	round_s	%zmm21, %zmm22, %zmm23, %zmm16, %zmm17, %zmm18, %zmm19, %zmm20, \t + 11, %zmm11, %zmm12, %zmm4,  %zmm9
	round_s	%zmm20, %zmm21, %zmm22, %zmm23, %zmm16, %zmm17, %zmm18, %zmm19, \t + 12, %zmm12, %zmm13, %zmm5,  %zmm10
	round_s	%zmm19, %zmm20, %zmm21, %zmm22, %zmm23, %zmm16, %zmm17, %zmm18, \t + 13, %zmm13, %zmm14, %zmm6,  %zmm11
	round_s	%zmm18, %zmm19, %zmm20, %zmm21, %zmm22, %zmm23, %zmm16, %zmm17, \t + 14, %zmm14, %zmm15, %zmm7,  %zmm12
	round_s	%zmm17, %zmm18, %zmm19, %zmm20, %zmm21, %zmm22, %zmm23, %zmm16, \t + 15, %zmm15, %zmm0,  %zmm8,  %zmm13
.endm

/*
 * unpack2 op, x, y, lo, hi: lo = op-low(x, y), hi = op-high(x, y), one
 * step of the transposition (op: dq or qdq).
 */
.macro unpack2 op, x, y, lo, hi
	vpunpckl\op \y, \x, \lo
	vpunpckh\op \y, \x, \hi
.endm

/*
 * transpose: block rows %zmm0-15 (row k = chain k's 16 message words)
 * into columns %zmm0-15 (column t = word t of every chain), through
 * %zmm16-31, then byte-swapped.  After the 32- and 64-bit unpacks,
 * register 4g + j of the second bank holds, in its 128-bit part q, word
 * 4q + j of chains 4g..4g+3; two rounds of 128-bit shuffles then gather
 * part q of the four groups of chains.
 */
.macro transpose
	/* rows k, k+1 -> %zmm(16+k): words 4q, 4q+1 and %zmm(17+k): 4q+2, 4q+3 */
	unpack2	dq, %zmm0,  %zmm1,  %zmm16, %zmm17
	unpack2	dq, %zmm2,  %zmm3,  %zmm18, %zmm19
	unpack2	dq, %zmm4,  %zmm5,  %zmm20, %zmm21
	unpack2	dq, %zmm6,  %zmm7,  %zmm22, %zmm23
	unpack2	dq, %zmm8,  %zmm9,  %zmm24, %zmm25
	unpack2	dq, %zmm10, %zmm11, %zmm26, %zmm27
	unpack2	dq, %zmm12, %zmm13, %zmm28, %zmm29
	unpack2	dq, %zmm14, %zmm15, %zmm30, %zmm31
	/* -> %zmm(4g + j): word 4q + j of chains 4g..4g+3, in part q */
	unpack2	qdq, %zmm16, %zmm18, %zmm0,  %zmm1
	unpack2	qdq, %zmm17, %zmm19, %zmm2,  %zmm3
	unpack2	qdq, %zmm20, %zmm22, %zmm4,  %zmm5
	unpack2	qdq, %zmm21, %zmm23, %zmm6,  %zmm7
	unpack2	qdq, %zmm24, %zmm26, %zmm8,  %zmm9
	unpack2	qdq, %zmm25, %zmm27, %zmm10, %zmm11
	unpack2	qdq, %zmm28, %zmm30, %zmm12, %zmm13
	unpack2	qdq, %zmm29, %zmm31, %zmm14, %zmm15
	/* Word j's vectors of chain groups 0-3 are %zmm(j), %zmm(4+j),
	 * %zmm(8+j), %zmm(12+j).  Parts {0,1} (imm 0x44) and {2,3} (0xee)
	 * of groups 0|1 and 2|3 side by side: %zmm(16+4j)..%zmm(19+4j) */
	vshufi32x4 $0x44, %zmm4, %zmm0, %zmm16
	vshufi32x4 $0x44, %zmm12, %zmm8, %zmm17
	vshufi32x4 $0xee, %zmm4, %zmm0, %zmm18
	vshufi32x4 $0xee, %zmm12, %zmm8, %zmm19
	vshufi32x4 $0x44, %zmm5, %zmm1, %zmm20
	vshufi32x4 $0x44, %zmm13, %zmm9, %zmm21
	vshufi32x4 $0xee, %zmm5, %zmm1, %zmm22
	vshufi32x4 $0xee, %zmm13, %zmm9, %zmm23
	vshufi32x4 $0x44, %zmm6, %zmm2, %zmm24
	vshufi32x4 $0x44, %zmm14, %zmm10, %zmm25
	vshufi32x4 $0xee, %zmm6, %zmm2, %zmm26
	vshufi32x4 $0xee, %zmm14, %zmm10, %zmm27
	vshufi32x4 $0x44, %zmm7, %zmm3, %zmm28
	vshufi32x4 $0x44, %zmm15, %zmm11, %zmm29
	vshufi32x4 $0xee, %zmm7, %zmm3, %zmm30
	vshufi32x4 $0xee, %zmm15, %zmm11, %zmm31
	/* Even (0x88) and odd (0xdd) parts of those: words j, 4+j, 8+j, 12+j */
	vshufi32x4 $0x88, %zmm17, %zmm16, %zmm0
	vshufi32x4 $0xdd, %zmm17, %zmm16, %zmm4
	vshufi32x4 $0x88, %zmm19, %zmm18, %zmm8
	vshufi32x4 $0xdd, %zmm19, %zmm18, %zmm12
	vshufi32x4 $0x88, %zmm21, %zmm20, %zmm1
	vshufi32x4 $0xdd, %zmm21, %zmm20, %zmm5
	vshufi32x4 $0x88, %zmm23, %zmm22, %zmm9
	vshufi32x4 $0xdd, %zmm23, %zmm22, %zmm13
	vshufi32x4 $0x88, %zmm25, %zmm24, %zmm2
	vshufi32x4 $0xdd, %zmm25, %zmm24, %zmm6
	vshufi32x4 $0x88, %zmm27, %zmm26, %zmm10
	vshufi32x4 $0xdd, %zmm27, %zmm26, %zmm14
	vshufi32x4 $0x88, %zmm29, %zmm28, %zmm3
	vshufi32x4 $0xdd, %zmm29, %zmm28, %zmm7
	vshufi32x4 $0x88, %zmm31, %zmm30, %zmm11
	vshufi32x4 $0xdd, %zmm31, %zmm30, %zmm15
	/* Big endian words */
	.irp t, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vpshufb	.Lbswap(%rip), %zmm\t, %zmm\t
	.endr
.endm


/*
 * void kx_lanes_blocks_avx512(uint32_t (*state)[8], const uint8_t *data,
 *                             size_t stride, unsigned n, size_t nblocks);
 *
 * In:       %rdi state, %rsi data, %rdx stride, %ecx n (1..16),
 *           %r8 nblocks.
 * Out:      state[0..n) advanced by nblocks blocks each, chain k taking
 *           its blocks from data + k * stride.
 * Clobbers: %rax %rdx %rsi %r8-%r11 %k1 %zmm0-31 (upper halves zeroed
 *           on return), flags; about 700 bytes of stack.
 * Assumes:  AVX512F/BW usable, SysV calling convention.
 *
 * Chains n..15 hash chain 0's data (offset 0); their states are neither
 * read nor written (masked gather and scatter).
 */
KX_FUNC_START(kx_lanes_blocks_avx512)
	test	%r8, %r8
	jz	.Lnothing
	push	%rbp
	mov	%rsp, %rbp
	sub	$FRAME_SIZE, %rsp
	and	$-64, %rsp
	/* for (k = 0; k < 16; k++) off[k] = k < n ? k * stride : 0; */
	xor	%eax, %eax
	xor	%r9d, %r9d
.Loffsets:
	xor	%r10d, %r10d
	cmp	%ecx, %eax
	cmovb	%r9, %r10
	mov	%r10, FRAME_OFF(%rsp, %rax, 8)
	add	%rdx, %r9
	inc	%eax
	cmp	$16, %eax
	jne	.Loffsets
	/* %r11d = (1 << n) - 1: the chains whose states are real */
	mov	$1, %r11d
	shl	%cl, %r11d
	dec	%r11d
	/* S[i] = word i of each chain's state; %zmm31 = k * 8 in dword k */
	vmovdqa64 .Lstate_index(%rip), %zmm31
	kmovw	%r11d, %k1
	vpxord	%zmm0, %zmm0, %zmm0
	vpgatherdd 0(%rdi, %zmm31, 4), %zmm0{%k1}
	vmovdqa64 %zmm0, FRAME_S + 0(%rsp)
	kmovw	%r11d, %k1
	vpxord	%zmm1, %zmm1, %zmm1
	vpgatherdd 4(%rdi, %zmm31, 4), %zmm1{%k1}
	vmovdqa64 %zmm1, FRAME_S + 64(%rsp)
	kmovw	%r11d, %k1
	vpxord	%zmm2, %zmm2, %zmm2
	vpgatherdd 8(%rdi, %zmm31, 4), %zmm2{%k1}
	vmovdqa64 %zmm2, FRAME_S + 128(%rsp)
	kmovw	%r11d, %k1
	vpxord	%zmm3, %zmm3, %zmm3
	vpgatherdd 12(%rdi, %zmm31, 4), %zmm3{%k1}
	vmovdqa64 %zmm3, FRAME_S + 192(%rsp)
	kmovw	%r11d, %k1
	vpxord	%zmm4, %zmm4, %zmm4
	vpgatherdd 16(%rdi, %zmm31, 4), %zmm4{%k1}
	vmovdqa64 %zmm4, FRAME_S + 256(%rsp)
	kmovw	%r11d, %k1
	vpxord	%zmm5, %zmm5, %zmm5
	vpgatherdd 20(%rdi, %zmm31, 4), %zmm5{%k1}
	vmovdqa64 %zmm5, FRAME_S + 320(%rsp)
	kmovw	%r11d, %k1
	vpxord	%zmm6, %zmm6, %zmm6
	vpgatherdd 24(%rdi, %zmm31, 4), %zmm6{%k1}
	vmovdqa64 %zmm6, FRAME_S + 384(%rsp)
	kmovw	%r11d, %k1
	vpxord	%zmm7, %zmm7, %zmm7
	vpgatherdd 28(%rdi, %zmm31, 4), %zmm7{%k1}
	vmovdqa64 %zmm7, FRAME_S + 448(%rsp)

.Lblock:
	/* Rows: %zmm(k) = the block of chain k, at data + off[k] */
	mov	FRAME_OFF + 0(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm0
	mov	FRAME_OFF + 8(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm1
	mov	FRAME_OFF + 16(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm2
	mov	FRAME_OFF + 24(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm3
	mov	FRAME_OFF + 32(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm4
	mov	FRAME_OFF + 40(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm5
	mov	FRAME_OFF + 48(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm6
	mov	FRAME_OFF + 56(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm7
	mov	FRAME_OFF + 64(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm8
	mov	FRAME_OFF + 72(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm9
	mov	FRAME_OFF + 80(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm10
	mov	FRAME_OFF + 88(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm11
	mov	FRAME_OFF + 96(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm12
	mov	FRAME_OFF + 104(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm13
	mov	FRAME_OFF + 112(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm14
	mov	FRAME_OFF + 120(%rsp), %rax
	vmovdqu32 (%rsi, %rax), %zmm15
	transpose
	/* a..h = S */
	vmovdqa64 FRAME_S + 0(%rsp), %zmm16
	vmovdqa64 FRAME_S + 64(%rsp), %zmm17
	vmovdqa64 FRAME_S + 128(%rsp), %zmm18
	vmovdqa64 FRAME_S + 192(%rsp), %zmm19
	vmovdqa64 FRAME_S + 256(%rsp), %zmm20
	vmovdqa64 FRAME_S + 320(%rsp), %zmm21
	vmovdqa64 FRAME_S + 384(%rsp), %zmm22
	vmovdqa64 FRAME_S + 448(%rsp), %zmm23
	rounds16 0
	rounds16 16
	rounds16 32
	rounds16 48
	/* S += a..h (6.2.2 step 4); data += 64; while (--nblocks) */
	vpaddd	FRAME_S + 0(%rsp), %zmm16, %zmm16
	vmovdqa64 %zmm16, FRAME_S + 0(%rsp)
	vpaddd	FRAME_S + 64(%rsp), %zmm17, %zmm17
	vmovdqa64 %zmm17, FRAME_S + 64(%rsp)
	vpaddd	FRAME_S + 128(%rsp), %zmm18, %zmm18
	vmovdqa64 %zmm18, FRAME_S + 128(%rsp)
	vpaddd	FRAME_S + 192(%rsp), %zmm19, %zmm19
	vmovdqa64 %zmm19, FRAME_S + 192(%rsp)
	vpaddd	FRAME_S + 256(%rsp), %zmm20, %zmm20
	vmovdqa64 %zmm20, FRAME_S + 256(%rsp)
	vpaddd	FRAME_S + 320(%rsp), %zmm21, %zmm21
	vmovdqa64 %zmm21, FRAME_S + 320(%rsp)
	vpaddd	FRAME_S + 384(%rsp), %zmm22, %zmm22
	vmovdqa64 %zmm22, FRAME_S + 384(%rsp)
	vpaddd	FRAME_S + 448(%rsp), %zmm23, %zmm23
	vmovdqa64 %zmm23, FRAME_S + 448(%rsp)
	add	$64, %rsi
	dec	%r8
	jnz	.Lblock
	/* state[k][i] = S[i] of chain k, for k < n (S is in %zmm16-23) */
	vmovdqa64 .Lstate_index(%rip), %zmm31
	kmovw	%r11d, %k1
	vpscatterdd %zmm16, 0(%rdi, %zmm31, 4){%k1}
	kmovw	%r11d, %k1
	vpscatterdd %zmm17, 4(%rdi, %zmm31, 4){%k1}
	kmovw	%r11d, %k1
	vpscatterdd %zmm18, 8(%rdi, %zmm31, 4){%k1}
	kmovw	%r11d, %k1
	vpscatterdd %zmm19, 12(%rdi, %zmm31, 4){%k1}
	kmovw	%r11d, %k1
	vpscatterdd %zmm20, 16(%rdi, %zmm31, 4){%k1}
	kmovw	%r11d, %k1
	vpscatterdd %zmm21, 20(%rdi, %zmm31, 4){%k1}
	kmovw	%r11d, %k1
	vpscatterdd %zmm22, 24(%rdi, %zmm31, 4){%k1}
	kmovw	%r11d, %k1
	vpscatterdd %zmm23, 28(%rdi, %zmm31, 4){%k1}
	vzeroupper
	mov	%rbp, %rsp
	pop	%rbp
.Lnothing:
	ret
KX_FUNC_END(kx_lanes_blocks_avx512)

	.section .rodata, "a"
	.balign 64
/* vpshufb control: reverse the bytes of each dword (big endian words) */
.Lbswap:
	.rept 4
	.byte 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12
	.endr
/* dword k = k * 8: chain k's state in uint32_t (*state)[8], in words */
.Lstate_index:
	.long 0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120

KX_ASM_NOTE_GNU_STACK
