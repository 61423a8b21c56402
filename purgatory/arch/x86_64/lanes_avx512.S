/* SPDX-License-Identifier: MIT */
/*
 * AVX-512 multi-buffer SHA-256 for the KX lanes digest: dword k of a ZMM
 * register is chain k, so 16 independent messages go through the 64
 * rounds of FIPS 180-4, 6.2.2 at once.  Only called once
 * sha256_x86_64.c has seen AVX512F/BW in CPUID and the ZMM state in XCR0.
 *
 * In assembly because GCC 12 kept the 64 round constants as broadcast
 * vectors on the stack (4 KiB) and spilled the working variables: its
 * engine took 42 TSC ticks per block and chain on AMD Zen 5, hashing
 * 256 KiB in L2, this one 31.5.  Here every value lives in one of the
 * 32 ZMM registers for a whole block and nothing is spilled:
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
 *
 * kx_lanes_copy_blocks_avx512 is the same engine storing each block,
 * from the registers it was loaded into, to a destination first: a copy
 * that costs 16 stores per 16 blocks hashed (lanes.c,
 * kx_lanes_copy_move).
 */
#include <kx/asm.h>

	.text

/* Stack frame of both entry points, 64-byte aligned below the saved %rbp. */
#define FRAME_S		0		/* 8 x 64: transposed states */
#define FRAME_SRC	512		/* 16 x 8: each chain's source */
#define FRAME_DST	640		/* 16 x 8: each chain's destination (copy) */
#define FRAME_BYTES	768

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
 * parts_load OFF, R: %zmm<R> gets, in its 128-bit part q, the 16 bytes at
 * OFF + 128 q (%rdi): the same words of chains 4q..4q+3's states, 32
 * bytes apart.  parts_store OFF, R writes them back.  Use only %zmm<R>.
 */
.macro parts_load off, r
	vmovdqu32 \off(%rdi), %xmm\r
	vinserti32x4 $1, 128+\off(%rdi), %zmm\r, %zmm\r
	vinserti32x4 $2, 256+\off(%rdi), %zmm\r, %zmm\r
	vinserti32x4 $3, 384+\off(%rdi), %zmm\r, %zmm\r
.endm
.macro parts_store off, r
	vmovdqu32 %xmm\r, \off(%rdi)
	vextracti32x4 $1, %zmm\r, 128+\off(%rdi)
	vextracti32x4 $2, %zmm\r, 256+\off(%rdi)
	vextracti32x4 $3, %zmm\r, 384+\off(%rdi)
.endm

/*
 * state16_load: S[i] (word i of chains 0-15) into %zmm(i), i < 8, from
 * state[0..16) with plain loads, for n = 16 (a masked gather costs
 * more).  %zmm(8+x) gets, in its 128-bit part q, words 0-3 of chain
 * 4q + x, %zmm(12+x) words 4-7; a 4x4 transposition of dwords within
 * each part then gives word j of chains 4q..4q+3 in part q.  Uses
 * %zmm8-23.
 */
.macro state16_load
	parts_load 0, 8
	parts_load 16, 12
	parts_load 32, 9
	parts_load 48, 13
	parts_load 64, 10
	parts_load 80, 14
	parts_load 96, 11
	parts_load 112, 15
	unpack2	dq, %zmm8, %zmm9, %zmm16, %zmm17
	unpack2	dq, %zmm10, %zmm11, %zmm18, %zmm19
	unpack2	qdq, %zmm16, %zmm18, %zmm0, %zmm1
	unpack2	qdq, %zmm17, %zmm19, %zmm2, %zmm3
	unpack2	dq, %zmm12, %zmm13, %zmm20, %zmm21
	unpack2	dq, %zmm14, %zmm15, %zmm22, %zmm23
	unpack2	qdq, %zmm20, %zmm22, %zmm4, %zmm5
	unpack2	qdq, %zmm21, %zmm23, %zmm6, %zmm7
.endm

/*
 * state16_store: the inverse for n = 16, S[i] in %zmm(16+i): the same
 * transposition gives words 0-3 (4-7) of chain 4q + x in part q of
 * %zmm(x) (%zmm(4+x)), stored a part at a time.  Uses %zmm0-15.
 */
.macro state16_store
	unpack2	dq, %zmm16, %zmm17, %zmm8, %zmm9
	unpack2	dq, %zmm18, %zmm19, %zmm10, %zmm11
	unpack2	qdq, %zmm8, %zmm10, %zmm0, %zmm1
	unpack2	qdq, %zmm9, %zmm11, %zmm2, %zmm3
	unpack2	dq, %zmm20, %zmm21, %zmm12, %zmm13
	unpack2	dq, %zmm22, %zmm23, %zmm14, %zmm15
	unpack2	qdq, %zmm12, %zmm14, %zmm4, %zmm5
	unpack2	qdq, %zmm13, %zmm15, %zmm6, %zmm7
	parts_store 0, 0
	parts_store 16, 4
	parts_store 32, 1
	parts_store 48, 5
	parts_store 64, 2
	parts_store 80, 6
	parts_store 96, 3
	parts_store 112, 7
.endm

/*
 * lanes_body copy: the work of both entry points.  In: %rdi state, %ecx
 * n, %r8 nblocks (> 0), %r11d = (1 << n) - 1, the frame's source (and
 * with copy, destination) addresses of chains 0-15, where chains n..15
 * repeat chain 0's.  Hashes nblocks blocks of each chain from its
 * source on; with copy, each block is first stored from the registers
 * it was loaded into to the chain's destination (non-temporal: nobody
 * reads it back here), so the bytes hashed are the bytes written.
 * Uses %rax %rsi %r8 %k1 %zmm0-31.
 */
.macro lanes_body copy
	/* S[i] = word i of each chain's state into %zmm(i), then the frame */
	cmp	$16, %ecx
	jne	.Lgather\@
	state16_load
	jmp	.Lstate_in\@
.Lgather\@:
	/* Fewer chains: masked gathers, %zmm31 = k * 8 in dword k */
	vmovdqa64 .Lstate_index(%rip), %zmm31
	kmovw	%r11d, %k1
	vpxord	%zmm0, %zmm0, %zmm0
	vpgatherdd 0(%rdi, %zmm31, 4), %zmm0{%k1}
	kmovw	%r11d, %k1
	vpxord	%zmm1, %zmm1, %zmm1
	vpgatherdd 4(%rdi, %zmm31, 4), %zmm1{%k1}
	kmovw	%r11d, %k1
	vpxord	%zmm2, %zmm2, %zmm2
	vpgatherdd 8(%rdi, %zmm31, 4), %zmm2{%k1}
	kmovw	%r11d, %k1
	vpxord	%zmm3, %zmm3, %zmm3
	vpgatherdd 12(%rdi, %zmm31, 4), %zmm3{%k1}
	kmovw	%r11d, %k1
	vpxord	%zmm4, %zmm4, %zmm4
	vpgatherdd 16(%rdi, %zmm31, 4), %zmm4{%k1}
	kmovw	%r11d, %k1
	vpxord	%zmm5, %zmm5, %zmm5
	vpgatherdd 20(%rdi, %zmm31, 4), %zmm5{%k1}
	kmovw	%r11d, %k1
	vpxord	%zmm6, %zmm6, %zmm6
	vpgatherdd 24(%rdi, %zmm31, 4), %zmm6{%k1}
	kmovw	%r11d, %k1
	vpxord	%zmm7, %zmm7, %zmm7
	vpgatherdd 28(%rdi, %zmm31, 4), %zmm7{%k1}
.Lstate_in\@:
	vmovdqa64 %zmm0, FRAME_S + 0(%rsp)
	vmovdqa64 %zmm1, FRAME_S + 64(%rsp)
	vmovdqa64 %zmm2, FRAME_S + 128(%rsp)
	vmovdqa64 %zmm3, FRAME_S + 192(%rsp)
	vmovdqa64 %zmm4, FRAME_S + 256(%rsp)
	vmovdqa64 %zmm5, FRAME_S + 320(%rsp)
	vmovdqa64 %zmm6, FRAME_S + 384(%rsp)
	vmovdqa64 %zmm7, FRAME_S + 448(%rsp)
	/* %rsi = offset of the block in each chain's message */
	xor	%esi, %esi
.Lblock\@:
	/* Rows: %zmm(k) = the block of chain k */
	mov	FRAME_SRC + 0(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm0
	mov	FRAME_SRC + 8(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm1
	mov	FRAME_SRC + 16(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm2
	mov	FRAME_SRC + 24(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm3
	mov	FRAME_SRC + 32(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm4
	mov	FRAME_SRC + 40(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm5
	mov	FRAME_SRC + 48(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm6
	mov	FRAME_SRC + 56(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm7
	mov	FRAME_SRC + 64(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm8
	mov	FRAME_SRC + 72(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm9
	mov	FRAME_SRC + 80(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm10
	mov	FRAME_SRC + 88(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm11
	mov	FRAME_SRC + 96(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm12
	mov	FRAME_SRC + 104(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm13
	mov	FRAME_SRC + 112(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm14
	mov	FRAME_SRC + 120(%rsp), %rax
	vmovdqu32 (%rax, %rsi), %zmm15
	.if \copy
	/* ... written to chain k's destination as loaded */
	mov	FRAME_DST + 0(%rsp), %rax
	vmovntdq %zmm0, (%rax, %rsi)
	mov	FRAME_DST + 8(%rsp), %rax
	vmovntdq %zmm1, (%rax, %rsi)
	mov	FRAME_DST + 16(%rsp), %rax
	vmovntdq %zmm2, (%rax, %rsi)
	mov	FRAME_DST + 24(%rsp), %rax
	vmovntdq %zmm3, (%rax, %rsi)
	mov	FRAME_DST + 32(%rsp), %rax
	vmovntdq %zmm4, (%rax, %rsi)
	mov	FRAME_DST + 40(%rsp), %rax
	vmovntdq %zmm5, (%rax, %rsi)
	mov	FRAME_DST + 48(%rsp), %rax
	vmovntdq %zmm6, (%rax, %rsi)
	mov	FRAME_DST + 56(%rsp), %rax
	vmovntdq %zmm7, (%rax, %rsi)
	mov	FRAME_DST + 64(%rsp), %rax
	vmovntdq %zmm8, (%rax, %rsi)
	mov	FRAME_DST + 72(%rsp), %rax
	vmovntdq %zmm9, (%rax, %rsi)
	mov	FRAME_DST + 80(%rsp), %rax
	vmovntdq %zmm10, (%rax, %rsi)
	mov	FRAME_DST + 88(%rsp), %rax
	vmovntdq %zmm11, (%rax, %rsi)
	mov	FRAME_DST + 96(%rsp), %rax
	vmovntdq %zmm12, (%rax, %rsi)
	mov	FRAME_DST + 104(%rsp), %rax
	vmovntdq %zmm13, (%rax, %rsi)
	mov	FRAME_DST + 112(%rsp), %rax
	vmovntdq %zmm14, (%rax, %rsi)
	mov	FRAME_DST + 120(%rsp), %rax
	vmovntdq %zmm15, (%rax, %rsi)
	.endif
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
	/* S += a..h (6.2.2 step 4); next block; while (--nblocks) */
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
	jnz	.Lblock\@
	/* state[k][i] = S[i] of chain k, for k < n (S is in %zmm16-23) */
	cmp	$16, %ecx
	jne	.Lscatter\@
	state16_store
	jmp	.Ldone\@
.Lscatter\@:
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
.Ldone\@:
	.if \copy
	/* Non-temporal stores are weakly ordered: drain them. */
	sfence
	.endif
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
 *           on return), flags; about 850 bytes of stack.
 * Assumes:  AVX512F/BW usable, SysV calling convention.
 *
 * Chains n..15 hash chain 0's data; their states are neither read nor
 * written (masked gather and scatter).
 */
KX_FUNC_START(kx_lanes_blocks_avx512)
	test	%r8, %r8
	jz	.Lblocks_nothing
	push	%rbp
	mov	%rsp, %rbp
	sub	$FRAME_BYTES, %rsp
	and	$-64, %rsp
	/* for (k = 0; k < 16; k++) src[k] = data + (k < n ? k * stride : 0); */
	xor	%eax, %eax
	mov	%rsi, %r9
.Lblocks_src:
	mov	%rsi, %r10
	cmp	%ecx, %eax
	cmovb	%r9, %r10
	mov	%r10, FRAME_SRC(%rsp, %rax, 8)
	add	%rdx, %r9
	inc	%eax
	cmp	$16, %eax
	jne	.Lblocks_src
	/* %r11d = (1 << n) - 1: the chains whose states are real */
	mov	$1, %r11d
	shl	%cl, %r11d
	dec	%r11d
	lanes_body 0
	vzeroupper
	mov	%rbp, %rsp
	pop	%rbp
.Lblocks_nothing:
	ret
KX_FUNC_END(kx_lanes_blocks_avx512)

/*
 * void kx_lanes_copy_blocks_avx512(uint32_t (*state)[8],
 *                                  const uint8_t *const src[],
 *                                  uint8_t *const dst[], unsigned n,
 *                                  size_t nblocks);
 *
 * In:       %rdi state, %rsi src, %rdx dst (n addresses each, 64-byte
 *           aligned destinations), %ecx n (1..16), %r8 nblocks.
 * Out:      for k < n: nblocks blocks copied from src[k] to dst[k], and
 *           state[k] advanced by them.
 * Clobbers: %rax %rdx %rsi %r8-%r11 %k1 %zmm0-31 (upper halves zeroed
 *           on return), flags; about 850 bytes of stack.
 * Assumes:  AVX512F/BW usable, SysV calling convention; no destination
 *           overlaps another chain's source (the caller checks).
 *
 * Chains n..15 repeat chain 0's copy (the same bytes again to the same
 * place) and their states are neither read nor written.
 */
KX_FUNC_START(kx_lanes_copy_blocks_avx512)
	test	%r8, %r8
	jz	.Lcopy_nothing
	push	%rbp
	mov	%rsp, %rbp
	sub	$FRAME_BYTES, %rsp
	and	$-64, %rsp
	/* for (k = 0; k < 16; k++) { j = k < n ? k : 0; src'[k] = src[j];
	 *                            dst'[k] = dst[j]; } */
	xor	%eax, %eax
.Lcopy_ptrs:
	xor	%r9d, %r9d
	cmp	%ecx, %eax
	cmovb	%eax, %r9d
	mov	(%rsi, %r9, 8), %r10
	mov	%r10, FRAME_SRC(%rsp, %rax, 8)
	mov	(%rdx, %r9, 8), %r10
	mov	%r10, FRAME_DST(%rsp, %rax, 8)
	inc	%eax
	cmp	$16, %eax
	jne	.Lcopy_ptrs
	mov	$1, %r11d
	shl	%cl, %r11d
	dec	%r11d
	lanes_body 1
	vzeroupper
	mov	%rbp, %rsp
	pop	%rbp
.Lcopy_nothing:
	ret
KX_FUNC_END(kx_lanes_copy_blocks_avx512)

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
