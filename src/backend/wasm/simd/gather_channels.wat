;; Gathering channels of a convolution's weights in place on the tfjs-backend-wasm heap (conventions: conv.wat's
;; header), for conditional inference: the open output channels of the gated conv (columns of its HWIO weight)
;; and the open input channels of the conv after it (rows of its HWIO weight), read straight from the weight
;; tensor where it lives instead of from a host copy that is then uploaded.
(module
  (import "env" "memory" (memory 1))

  ;; dst[r, j] = src[r, idx[j]] for j < K and 0 for K <= j < WIDTH, r < ROWS; src is [ROWS, COLS], dst
  ;; [ROWS, WIDTH], idx K int32 column indices (each < COLS). dst may not overlap src or idx.
  (func (export "gatherColumns")
    (param $src i32) (param $idx i32) (param $dst i32)
    (param $ROWS i32) (param $COLS i32) (param $K i32) (param $WIDTH i32)
    (local $r i32) (local $j i32) (local $rowBytes i32) (local $padBytes i32)
    (local.set $rowBytes (i32.shl (local.get $COLS) (i32.const 2)))
    (local.set $padBytes (i32.shl (i32.sub (local.get $WIDTH) (local.get $K)) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $ROWS)))
      (local.set $j (i32.const 0))
      (block $j_done (loop $j_loop
        (br_if $j_done (i32.ge_u (local.get $j) (local.get $K)))
        (f32.store (local.get $dst)
          (f32.load (i32.add (local.get $src)
            (i32.shl (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2))))
              (i32.const 2)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $j_loop)))
      (memory.fill (local.get $dst) (i32.const 0) (local.get $padBytes))
      (local.set $dst (i32.add (local.get $dst) (local.get $padBytes)))
      (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop)))
  )

  ;; dst[t, j, :] = src[t, idx[j], :] for t < TAPS, j < K: src is [TAPS, CIN, LEN], dst [TAPS, K, LEN], idx K
  ;; int32 indices (each < CIN); each row is one memory.copy. dst may not overlap src or idx.
  (func (export "gatherRows")
    (param $src i32) (param $idx i32) (param $dst i32)
    (param $TAPS i32) (param $CIN i32) (param $K i32) (param $LEN i32)
    (local $t i32) (local $j i32) (local $rowBytes i32) (local $tapBytes i32)
    (local.set $rowBytes (i32.shl (local.get $LEN) (i32.const 2)))
    (local.set $tapBytes (i32.mul (local.get $CIN) (local.get $rowBytes)))
    (local.set $t (i32.const 0))
    (block $t_done (loop $t_loop
      (br_if $t_done (i32.ge_u (local.get $t) (local.get $TAPS)))
      (local.set $j (i32.const 0))
      (block $j_done (loop $j_loop
        (br_if $j_done (i32.ge_u (local.get $j) (local.get $K)))
        (memory.copy (local.get $dst)
          (i32.add (local.get $src)
            (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2))))
              (local.get $rowBytes)))
          (local.get $rowBytes))
        (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $j_loop)))
      (local.set $src (i32.add (local.get $src) (local.get $tapBytes)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $t_loop)))
  )

  ;; The same gathers written packed per block of 16 output channels, the layout of conv.wat's conv2dPacked:
  ;; [WIDTH/16, ROWS, 16] for columns (WIDTH a multiple of 16; padding columns zero) and [LEN/16, TAPS, K, 16] for
  ;; rows (LEN a multiple of 16). Columns go by tiles of 32 source rows, and within a tile block by block; rows read
  ;; the source once, row by row, and write each row's values to the blocks (one 64-byte run per block and row).
  (func (export "gatherColumnsPacked")
    (param $src i32) (param $idx i32) (param $dst i32)
    (param $ROWS i32) (param $COLS i32) (param $K i32) (param $WIDTH i32)
    (local $r0 i32) (local $r1 i32) (local $r i32) (local $b i32) (local $l i32) (local $s i32) (local $d i32)
    (local $ip i32) (local $rowBytes i32) (local $blockBytes i32) (local $live i32)
    (local.set $rowBytes (i32.shl (local.get $COLS) (i32.const 2)))
    (local.set $blockBytes (i32.shl (local.get $ROWS) (i32.const 6)))
    ;; 32 source rows at a time (up to 64 KiB: they stay in cache while every block takes its columns from
    ;; them), and within them block by block, so each block's writes run in order
    (local.set $r0 (i32.const 0))
    (block $c_done (loop $c_loop
      (br_if $c_done (i32.ge_u (local.get $r0) (local.get $ROWS)))
      (local.set $r1 (i32.add (local.get $r0) (i32.const 32)))
      (if (i32.gt_u (local.get $r1) (local.get $ROWS)) (then (local.set $r1 (local.get $ROWS))))
      (local.set $b (i32.const 0))
      (block $b_done (loop $b_loop
        (br_if $b_done (i32.ge_u (local.get $b) (local.get $WIDTH)))
        ;; this block's gathered channels: live = min(16, K - b) (0 for padding blocks), then zeros
        (local.set $live (i32.const 0))
        (if (i32.lt_u (local.get $b) (local.get $K)) (then
          (local.set $live (i32.sub (local.get $K) (local.get $b)))
          (if (i32.gt_u (local.get $live) (i32.const 16)) (then (local.set $live (i32.const 16))))))
        (local.set $s (i32.add (local.get $src) (i32.mul (local.get $r0) (local.get $rowBytes))))
        (local.set $d (i32.add (i32.add (local.get $dst) (i32.mul (i32.shr_u (local.get $b) (i32.const 4))
          (local.get $blockBytes))) (i32.shl (local.get $r0) (i32.const 6))))
        (local.set $r (local.get $r0))
        (block $r_done (loop $r_loop
          (br_if $r_done (i32.ge_u (local.get $r) (local.get $r1)))
          (local.set $ip (i32.add (local.get $idx) (i32.shl (local.get $b) (i32.const 2))))
          (local.set $l (i32.const 0))
          (block $l_done (loop $l_loop
            (br_if $l_done (i32.ge_u (local.get $l) (local.get $live)))
            (f32.store (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 2)))
              (f32.load (i32.add (local.get $s) (i32.shl (i32.load (local.get $ip)) (i32.const 2)))))
            (local.set $ip (i32.add (local.get $ip) (i32.const 4)))
            (local.set $l (i32.add (local.get $l) (i32.const 1)))
            (br $l_loop)))
          (if (i32.lt_u (local.get $live) (i32.const 16)) (then
            (memory.fill (i32.add (local.get $d) (i32.shl (local.get $live) (i32.const 2))) (i32.const 0)
              (i32.shl (i32.sub (i32.const 16) (local.get $live)) (i32.const 2)))))
          (local.set $d (i32.add (local.get $d) (i32.const 64)))
          (local.set $s (i32.add (local.get $s) (local.get $rowBytes)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $r_loop)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $b_loop)))
      (local.set $r0 (local.get $r1))
      (br $c_loop)))
  )

  ;; gatherColumnsPacked from the weight in OHWI, src [COLS, ROWS] (one output channel's ROWS = FH*FW*CIN weights
  ;; contiguous): dst [WIDTH/16, ROWS, 16] the same as gatherColumnsPacked of the HWIO weight. Reads only the
  ;; gathered channels, each in one sequential pass (the HWIO gather reads every row of the weight whole); each
  ;; block's destination (ROWS * 64 bytes) is written lane by lane, 64 bytes apart, and stays in cache meanwhile.
  (func (export "gatherOhwiPacked")
    (param $src i32) (param $idx i32) (param $dst i32)
    (param $ROWS i32) (param $K i32) (param $WIDTH i32)
    (local $b i32) (local $l i32) (local $c i32) (local $s i32) (local $d i32) (local $end i32)
    (local $rowBytes i32) (local $blockBytes i32)
    (local.set $rowBytes (i32.shl (local.get $ROWS) (i32.const 2)))
    (local.set $blockBytes (i32.shl (local.get $ROWS) (i32.const 6)))
    (local.set $b (i32.const 0))
    (block $b_done (loop $b_loop
      (br_if $b_done (i32.ge_u (local.get $b) (local.get $WIDTH)))
      (local.set $l (i32.const 0))
      (block $l_done (loop $l_loop
        (br_if $l_done (i32.ge_u (local.get $l) (i32.const 16)))
        (local.set $c (i32.add (local.get $b) (local.get $l)))
        (local.set $d (i32.add (i32.add (local.get $dst)
          (i32.mul (i32.shr_u (local.get $b) (i32.const 4)) (local.get $blockBytes)))
          (i32.shl (local.get $l) (i32.const 2))))
        (local.set $end (i32.add (local.get $d) (local.get $blockBytes)))
        (if (i32.lt_u (local.get $c) (local.get $K))
          (then
            (local.set $s (i32.add (local.get $src) (i32.mul
              (i32.load (i32.add (local.get $idx) (i32.shl (local.get $c) (i32.const 2))))
              (local.get $rowBytes))))
            (block $r_done (loop $r_loop
              (br_if $r_done (i32.ge_u (local.get $d) (local.get $end)))
              (f32.store (local.get $d) (f32.load (local.get $s)))
              (local.set $s (i32.add (local.get $s) (i32.const 4)))
              (local.set $d (i32.add (local.get $d) (i32.const 64)))
              (br $r_loop))))
          (else
            (block $z_done (loop $z_loop
              (br_if $z_done (i32.ge_u (local.get $d) (local.get $end)))
              (f32.store (local.get $d) (f32.const 0))
              (local.set $d (i32.add (local.get $d) (i32.const 64)))
              (br $z_loop)))))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $l_loop)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br $b_loop)))
  )

  (func (export "gatherRowsPacked")
    (param $src i32) (param $idx i32) (param $dst i32)
    (param $TAPS i32) (param $CIN i32) (param $K i32) (param $LEN i32)
    (local $t i32) (local $j i32) (local $b i32) (local $s i32) (local $d i32) (local $rowBytes i32)
    (local $blockBytes i32)
    (local.set $rowBytes (i32.shl (local.get $LEN) (i32.const 2)))
    (local.set $blockBytes (i32.shl (i32.mul (local.get $TAPS) (local.get $K)) (i32.const 6)))
    (local.set $t (i32.const 0))
    (block $t_done (loop $t_loop
      (br_if $t_done (i32.ge_u (local.get $t) (local.get $TAPS)))
      (local.set $j (i32.const 0))
      (block $j_done (loop $j_loop
        (br_if $j_done (i32.ge_u (local.get $j) (local.get $K)))
        ;; src[t, idx[j], :] to dst[b, t, j, :] for every block b
        (local.set $s (i32.add (local.get $src)
          (i32.mul (i32.add (i32.mul (local.get $t) (local.get $CIN))
            (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2)))))
            (local.get $rowBytes))))
        (local.set $d (i32.add (local.get $dst)
          (i32.shl (i32.add (i32.mul (local.get $t) (local.get $K)) (local.get $j)) (i32.const 6))))
        (local.set $b (i32.const 0))
        (block $b_done (loop $b_loop
          (br_if $b_done (i32.ge_u (local.get $b) (local.get $LEN)))
          (v128.store offset=0 (local.get $d) (v128.load offset=0 (local.get $s)))
          (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s)))
          (v128.store offset=32 (local.get $d) (v128.load offset=32 (local.get $s)))
          (v128.store offset=48 (local.get $d) (v128.load offset=48 (local.get $s)))
          (local.set $s (i32.add (local.get $s) (i32.const 64)))
          (local.set $d (i32.add (local.get $d) (local.get $blockBytes)))
          (local.set $b (i32.add (local.get $b) (i32.const 16)))
          (br $b_loop)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $j_loop)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $t_loop)))
  )
)
