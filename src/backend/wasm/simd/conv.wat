;; Convolution kernels (forward and filter gradient) in SIMD, in place on the tfjs-backend-wasm heap.
;; Conventions of every module in this folder (see ../README.md): it imports the backend's own WebAssembly
;; memory, so tensors are read and written where tfjs keeps them (no copies); pointers are byte offsets of
;; tensors on that heap; no data segments, no globals, no memory of its own; it writes only into the output
;; tensors it is given. scripts/build_simd_kernels.mjs assembles it into conv_wasm.ts (two variants: shared
;; memory for the threaded backend, plain memory for the single-threaded one).
(module
  (import "env" "memory" (memory 1))

  ;; Filter gradient of a 2-D convolution, NHWC, float32, output channels a multiple of 16:
  ;;   dw[ky, kx, c, o] = sum over n, oh, ow of x[n, oh*sh + ky*dh - pt, ow*sw + kx*dwl - pl, c] * dy[n, oh, ow, o]
  ;; with out-of-range input pixels (the padding) contributing nothing, for input channels [c0, c1) (c0 even) and
  ;; output channels [o0, o1) (multiples of 16): several threads split the work along one of those. dw is
  ;; accumulated into: the caller zeroes it first.
  ;; Register tile: 2 input channels x 16 output channels (8 f32x4 accumulators), over a chunk of `rows`
  ;; output rows of one image (the caller sizes it so that the chunk of dy stays in the L1 cache); the
  ;; accumulators go back to dw once per chunk, tap, channel pair and 16 output channels.
  (func (export "filterGrad")
    (param $x i32) (param $dy i32) (param $dw i32)
    (param $N i32) (param $H i32) (param $W i32) (param $CI i32)
    (param $OH i32) (param $OW i32) (param $CO i32)
    (param $FH i32) (param $FW i32) (param $SH i32) (param $SW i32)
    (param $DH i32) (param $DWL i32) (param $PT i32) (param $PL i32) (param $ROWS i32)
    (param $C0 i32) (param $C1 i32) (param $O0 i32) (param $O1 i32)
    (local $n i32) (local $r0 i32) (local $r1 i32) (local $ky i32) (local $kx i32)
    (local $c i32) (local $o i32) (local $oh i32) (local $iy i32)
    (local $colOff i32) (local $ox0 i32) (local $ox1 i32) (local $t i32)
    (local $xp i32) (local $dp i32) (local $end i32) (local $wp i32)
    (local $xstep i32) (local $dstep i32) (local $c1 i32) (local $pair i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local $s0 v128) (local $s1 v128)

    (local.set $xstep (i32.shl (i32.mul (local.get $SW) (local.get $CI)) (i32.const 2)))
    (local.set $dstep (i32.shl (local.get $CO) (i32.const 2)))

    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $r0 (i32.const 0))
      (block $r_done (loop $r_loop
        (br_if $r_done (i32.ge_u (local.get $r0) (local.get $OH)))
        (local.set $r1 (i32.add (local.get $r0) (local.get $ROWS)))
        (if (i32.gt_u (local.get $r1) (local.get $OH)) (then (local.set $r1 (local.get $OH))))
        (local.set $ky (i32.const 0))
        (block $ky_done (loop $ky_loop
          (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $FH)))
          (local.set $kx (i32.const 0))
          (block $kx_done (loop $kx_loop
            (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $FW)))
            ;; input column of output column ow: ow*sw + colOff; valid ow in [ox0, ox1)
            (local.set $colOff (i32.sub (i32.mul (local.get $kx) (local.get $DWL)) (local.get $PL)))
            (local.set $t (i32.sub (i32.const 0) (local.get $colOff)))
            (local.set $ox0 (i32.const 0))
            (if (i32.gt_s (local.get $t) (i32.const 0))
              (then (local.set $ox0
                (i32.div_u (i32.add (local.get $t) (i32.sub (local.get $SW) (i32.const 1))) (local.get $SW)))))
            (if (i32.gt_u (local.get $ox0) (local.get $OW)) (then (local.set $ox0 (local.get $OW))))
            (local.set $t (i32.sub (local.get $W) (local.get $colOff)))
            (local.set $ox1 (i32.const 0))
            (if (i32.gt_s (local.get $t) (i32.const 0))
              (then (local.set $ox1
                (i32.div_u (i32.add (local.get $t) (i32.sub (local.get $SW) (i32.const 1))) (local.get $SW)))))
            (if (i32.gt_u (local.get $ox1) (local.get $OW)) (then (local.set $ox1 (local.get $OW))))
            (if (i32.lt_u (local.get $ox0) (local.get $ox1)) (then
              (local.set $c (local.get $C0))
              (block $c_done (loop $c_loop
                (br_if $c_done (i32.ge_u (local.get $c) (local.get $C1)))
                ;; a pair of input channels, or one (the second then re-reads the first and is not stored)
                (local.set $pair (i32.lt_u (i32.add (local.get $c) (i32.const 1)) (local.get $CI)))
                (local.set $c1 (select (i32.const 4) (i32.const 0) (local.get $pair)))
                (local.set $o (local.get $O0))
                (block $o_done (loop $o_loop
                  (br_if $o_done (i32.ge_u (local.get $o) (local.get $O1)))
                  (local.set $wp (i32.add (local.get $dw) (i32.shl
                    (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $FW))
                      (local.get $kx)) (local.get $CI)) (local.get $c)) (local.get $CO)) (local.get $o))
                    (i32.const 2))))
                  (local.set $a0 (v128.load offset=0 (local.get $wp)))
                  (local.set $a1 (v128.load offset=16 (local.get $wp)))
                  (local.set $a2 (v128.load offset=32 (local.get $wp)))
                  (local.set $a3 (v128.load offset=48 (local.get $wp)))
                  (if (local.get $pair)
                    (then
                      (local.set $a4 (v128.load offset=0 (i32.add (local.get $wp) (local.get $dstep))))
                      (local.set $a5 (v128.load offset=16 (i32.add (local.get $wp) (local.get $dstep))))
                      (local.set $a6 (v128.load offset=32 (i32.add (local.get $wp) (local.get $dstep))))
                      (local.set $a7 (v128.load offset=48 (i32.add (local.get $wp) (local.get $dstep)))))
                    (else
                      (local.set $a4 (v128.const i32x4 0 0 0 0))
                      (local.set $a5 (v128.const i32x4 0 0 0 0))
                      (local.set $a6 (v128.const i32x4 0 0 0 0))
                      (local.set $a7 (v128.const i32x4 0 0 0 0))))
                  (local.set $oh (local.get $r0))
                  (block $oh_done (loop $oh_loop
                    (br_if $oh_done (i32.ge_u (local.get $oh) (local.get $r1)))
                    (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oh) (local.get $SH))
                      (i32.mul (local.get $ky) (local.get $DH))) (local.get $PT)))
                    ;; unsigned compare: negative rows (top padding) are skipped too
                    (if (i32.lt_u (local.get $iy) (local.get $H)) (then
                      (local.set $xp (i32.add (local.get $x) (i32.shl
                        (i32.add (i32.mul (i32.add (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H))
                          (local.get $iy)) (local.get $W)) (i32.mul (local.get $ox0) (local.get $SW)))
                          (local.get $colOff)) (local.get $CI)) (local.get $c))
                        (i32.const 2))))
                      (local.set $dp (i32.add (local.get $dy) (i32.shl
                        (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $OH))
                          (local.get $oh)) (local.get $OW)) (local.get $ox0)) (local.get $CO)) (local.get $o))
                        (i32.const 2))))
                      (local.set $end (i32.add (local.get $dp)
                        (i32.mul (i32.sub (local.get $ox1) (local.get $ox0)) (local.get $dstep))))
                      (loop $px
                        (local.set $d0 (v128.load offset=0 (local.get $dp)))
                        (local.set $d1 (v128.load offset=16 (local.get $dp)))
                        (local.set $d2 (v128.load offset=32 (local.get $dp)))
                        (local.set $d3 (v128.load offset=48 (local.get $dp)))
                        (local.set $s0 (v128.load32_splat (local.get $xp)))
                        (local.set $s1 (v128.load32_splat (i32.add (local.get $xp) (local.get $c1))))
                        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s0) (local.get $d0))))
                        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s0) (local.get $d1))))
                        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s0) (local.get $d2))))
                        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s0) (local.get $d3))))
                        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s1) (local.get $d0))))
                        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s1) (local.get $d1))))
                        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s1) (local.get $d2))))
                        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s1) (local.get $d3))))
                        (local.set $xp (i32.add (local.get $xp) (local.get $xstep)))
                        (local.set $dp (i32.add (local.get $dp) (local.get $dstep)))
                        (br_if $px (i32.lt_u (local.get $dp) (local.get $end))))))
                    (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
                    (br $oh_loop)))
                  (v128.store offset=0 (local.get $wp) (local.get $a0))
                  (v128.store offset=16 (local.get $wp) (local.get $a1))
                  (v128.store offset=32 (local.get $wp) (local.get $a2))
                  (v128.store offset=48 (local.get $wp) (local.get $a3))
                  (if (local.get $pair) (then
                    (v128.store offset=0 (i32.add (local.get $wp) (local.get $dstep)) (local.get $a4))
                    (v128.store offset=16 (i32.add (local.get $wp) (local.get $dstep)) (local.get $a5))
                    (v128.store offset=32 (i32.add (local.get $wp) (local.get $dstep)) (local.get $a6))
                    (v128.store offset=48 (i32.add (local.get $wp) (local.get $dstep)) (local.get $a7))))
                  (local.set $o (i32.add (local.get $o) (i32.const 16)))
                  (br $o_loop)))
                (local.set $c (i32.add (local.get $c) (i32.const 2)))
                (br $c_loop)))))
            (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
            (br $kx_loop)))
          (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
          (br $ky_loop)))
        (local.set $r0 (i32.add (local.get $r0) (local.get $ROWS)))
        (br $r_loop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop))))

  ;; Zero-padded copy of an NHWC tensor: dst [N, H+pt+pb, W+pl+pr, C] (dst is overwritten).
  (func (export "padNHWC")
    (param $src i32) (param $dst i32) (param $N i32) (param $H i32) (param $W i32) (param $C i32)
    (param $pt i32) (param $pb i32) (param $pl i32) (param $pr i32)
    (local $rowIn i32) (local $rowOut i32) (local $n i32) (local $r i32) (local $d i32)
    (local.set $rowIn (i32.shl (i32.mul (local.get $W) (local.get $C)) (i32.const 2)))
    (local.set $rowOut (i32.shl (i32.mul (i32.add (i32.add (local.get $W) (local.get $pl)) (local.get $pr))
      (local.get $C)) (i32.const 2)))
    (local.set $d (local.get $dst))
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      ;; top padding rows
      (memory.fill (local.get $d) (i32.const 0) (i32.mul (local.get $pt) (local.get $rowOut)))
      (local.set $d (i32.add (local.get $d) (i32.mul (local.get $pt) (local.get $rowOut))))
      (local.set $r (i32.const 0))
      (block $r_done (loop $r_loop
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $H)))
        (memory.fill (local.get $d) (i32.const 0) (i32.shl (i32.mul (local.get $pl) (local.get $C)) (i32.const 2)))
        (memory.copy (i32.add (local.get $d) (i32.shl (i32.mul (local.get $pl) (local.get $C)) (i32.const 2)))
          (local.get $src) (local.get $rowIn))
        (memory.fill (i32.add (i32.add (local.get $d) (i32.shl (i32.mul (local.get $pl) (local.get $C)) (i32.const 2)))
          (local.get $rowIn)) (i32.const 0) (i32.shl (i32.mul (local.get $pr) (local.get $C)) (i32.const 2)))
        (local.set $src (i32.add (local.get $src) (local.get $rowIn)))
        (local.set $d (i32.add (local.get $d) (local.get $rowOut)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $r_loop)))
      ;; bottom padding rows
      (memory.fill (local.get $d) (i32.const 0) (i32.mul (local.get $pb) (local.get $rowOut)))
      (local.set $d (i32.add (local.get $d) (i32.mul (local.get $pb) (local.get $rowOut))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop))))

  ;; 2-D convolution over an already padded input ("valid"), NHWC, float32, output channels a multiple of 16:
  ;;   y[n, oy, ox, o] = sum over ky, kx, c of x[n, oy*sh + ky*dh, ox*sw + kx*dwl, c] * w[ky, kx, c, o]
  ;; Register tile: 2 neighbouring output pixels x 16 output channels (8 f32x4 accumulators); the inner loop
  ;; runs over the input channels of one tap (contiguous in x, one filter row of 16 apart in w). A lone last
  ;; pixel of a row is computed twice and stored once. Computes output rows [r0, r1) of the N*OH rows (n, oy):
  ;; several threads split the rows. Those rows of y are overwritten.
  (func (export "conv2d")
    (param $x i32) (param $w i32) (param $y i32)
    (param $N i32) (param $HP i32) (param $WP i32) (param $CI i32)
    (param $OH i32) (param $OW i32) (param $CO i32)
    (param $FH i32) (param $FW i32) (param $SH i32) (param $SW i32) (param $DH i32) (param $DWL i32)
    (param $R0 i32) (param $R1 i32)
    (local $row i32) (local $n i32) (local $oy i32) (local $o i32) (local $ox i32) (local $ky i32) (local $kx i32)
    (local $xrow i32) (local $yrow i32) (local $xbase i32) (local $xp i32) (local $wp i32) (local $end i32)
    (local $yp i32) (local $off2 i32) (local $second i32) (local $pxBytes i32) (local $wstep i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $s0 v128) (local $s1 v128)
    (local.set $pxBytes (i32.shl (i32.mul (local.get $SW) (local.get $CI)) (i32.const 2)))
    (local.set $wstep (i32.shl (local.get $CO) (i32.const 2)))
    (local.set $row (local.get $R0))
    (block $row_done (loop $row_loop
        (br_if $row_done (i32.ge_u (local.get $row) (local.get $R1)))
        (local.set $n (i32.div_u (local.get $row) (local.get $OH)))
        (local.set $oy (i32.rem_u (local.get $row) (local.get $OH)))
        (local.set $xrow (i32.add (local.get $x) (i32.shl (i32.mul (i32.mul (i32.add
          (i32.mul (local.get $n) (local.get $HP)) (i32.mul (local.get $oy) (local.get $SH)))
          (local.get $WP)) (local.get $CI)) (i32.const 2))))
        (local.set $yrow (i32.add (local.get $y) (i32.shl (i32.mul (i32.mul (i32.add
          (i32.mul (local.get $n) (local.get $OH)) (local.get $oy)) (local.get $OW)) (local.get $CO)) (i32.const 2))))
        (local.set $o (i32.const 0))
        (block $o_done (loop $o_loop
          (br_if $o_done (i32.ge_u (local.get $o) (local.get $CO)))
          (local.set $ox (i32.const 0))
          (block $ox_done (loop $ox_loop
            (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $OW)))
            (local.set $second (i32.lt_u (i32.add (local.get $ox) (i32.const 1)) (local.get $OW)))
            (local.set $off2 (select (local.get $pxBytes) (i32.const 0) (local.get $second)))
            (local.set $xbase (i32.add (local.get $xrow) (i32.mul (local.get $ox) (local.get $pxBytes))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0))
            (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0))
            (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $ky (i32.const 0))
            (block $ky_done (loop $ky_loop
              (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $FH)))
              (local.set $kx (i32.const 0))
              (block $kx_done (loop $kx_loop
                (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $FW)))
                (local.set $xp (i32.add (local.get $xbase) (i32.shl (i32.mul (i32.add
                  (i32.mul (i32.mul (local.get $ky) (local.get $DH)) (local.get $WP))
                  (i32.mul (local.get $kx) (local.get $DWL))) (local.get $CI)) (i32.const 2))))
                (local.set $wp (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (i32.mul (i32.add
                  (i32.mul (local.get $ky) (local.get $FW)) (local.get $kx)) (local.get $CI)) (local.get $CO))
                  (local.get $o)) (i32.const 2))))
                (local.set $end (i32.add (local.get $xp) (i32.shl (local.get $CI) (i32.const 2))))
                (loop $c_loop
                  (local.set $w0 (v128.load offset=0 (local.get $wp)))
                  (local.set $w1 (v128.load offset=16 (local.get $wp)))
                  (local.set $w2 (v128.load offset=32 (local.get $wp)))
                  (local.set $w3 (v128.load offset=48 (local.get $wp)))
                  (local.set $s0 (v128.load32_splat (local.get $xp)))
                  (local.set $s1 (v128.load32_splat (i32.add (local.get $xp) (local.get $off2))))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s0) (local.get $w0))))
                  (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s0) (local.get $w1))))
                  (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s0) (local.get $w2))))
                  (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s0) (local.get $w3))))
                  (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s1) (local.get $w0))))
                  (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s1) (local.get $w1))))
                  (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s1) (local.get $w2))))
                  (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s1) (local.get $w3))))
                  (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                  (local.set $wp (i32.add (local.get $wp) (local.get $wstep)))
                  (br_if $c_loop (i32.lt_u (local.get $xp) (local.get $end))))
                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                (br $kx_loop)))
              (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
              (br $ky_loop)))
            (local.set $yp (i32.add (local.get $yrow) (i32.shl (i32.add (i32.mul (local.get $ox) (local.get $CO))
              (local.get $o)) (i32.const 2))))
            (v128.store offset=0 (local.get $yp) (local.get $a0))
            (v128.store offset=16 (local.get $yp) (local.get $a1))
            (v128.store offset=32 (local.get $yp) (local.get $a2))
            (v128.store offset=48 (local.get $yp) (local.get $a3))
            (if (local.get $second) (then
              (v128.store offset=0 (i32.add (local.get $yp) (local.get $wstep)) (local.get $a4))
              (v128.store offset=16 (i32.add (local.get $yp) (local.get $wstep)) (local.get $a5))
              (v128.store offset=32 (i32.add (local.get $yp) (local.get $wstep)) (local.get $a6))
              (v128.store offset=48 (i32.add (local.get $yp) (local.get $wstep)) (local.get $a7))))
            (local.set $ox (i32.add (local.get $ox) (i32.const 2)))
            (br $ox_loop)))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (br $o_loop)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $row_loop))))

  ;; conv2d with the filter packed per block of 16 output channels, w [CO/16, FH, FW, CI, 16] (each block's
  ;; weights contiguous, 64 bytes per tap and input channel: the inner loop streams them in order), and the
  ;; blocks outermost, so one block (FH*FW*CI*64 bytes) serves every row of the range before the next is read:
  ;; for narrow maps with wide filters (conditional inference's gathered filters on 14x14 and 7x7 maps), where
  ;; conv2d re-reads the whole HWIO filter, 4*CO bytes apart per input channel, for every pixel pair. The same
  ;; sums in the same order as conv2d (bit-identical). conv2d's arguments and contract, plus the output channels
  ;; [O0, O1) (multiples of 16) to compute (threads split a wide filter by blocks, a tall map by rows), and the
  ;; epilogue: B (0: none) the offset of a bias [CO] added to each sum, RELU (0/1) max(., 0) after it; each is
  ;; the one float32 operation the separate Add and Relu kernels would do.
  (func (export "conv2dPacked")
    (param $x i32) (param $w i32) (param $y i32)
    (param $N i32) (param $HP i32) (param $WP i32) (param $CI i32)
    (param $OH i32) (param $OW i32) (param $CO i32)
    (param $FH i32) (param $FW i32) (param $SH i32) (param $SW i32) (param $DH i32) (param $DWL i32)
    (param $R0 i32) (param $R1 i32) (param $O0 i32) (param $O1 i32) (param $B i32) (param $RELU i32)
    (local $row i32) (local $n i32) (local $oy i32) (local $o i32) (local $ox i32) (local $ky i32) (local $kx i32)
    (local $xrow i32) (local $yrow i32) (local $xbase i32) (local $xp i32) (local $wp i32) (local $end i32)
    (local $yp i32) (local $off2 i32) (local $second i32) (local $pxBytes i32) (local $wstep i32)
    (local $wblock i32) (local $blockBytes i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $s0 v128) (local $s1 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $pxBytes (i32.shl (i32.mul (local.get $SW) (local.get $CI)) (i32.const 2)))
    (local.set $wstep (i32.shl (local.get $CO) (i32.const 2)))
    ;; the block of output channels o .. o+15 starts at w + o * blockBytes (blockBytes = FH*FW*CI*4)
    (local.set $blockBytes (i32.shl (i32.mul (i32.mul (local.get $FH) (local.get $FW)) (local.get $CI)) (i32.const 2)))
    (local.set $o (local.get $O0))
    (block $o_done (loop $o_loop
      (br_if $o_done (i32.ge_u (local.get $o) (local.get $O1)))
      (local.set $wblock (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $blockBytes))))
      (if (local.get $B) (then
        (local.set $b0 (v128.load offset=0 (i32.add (local.get $B) (i32.shl (local.get $o) (i32.const 2)))))
        (local.set $b1 (v128.load offset=16 (i32.add (local.get $B) (i32.shl (local.get $o) (i32.const 2)))))
        (local.set $b2 (v128.load offset=32 (i32.add (local.get $B) (i32.shl (local.get $o) (i32.const 2)))))
        (local.set $b3 (v128.load offset=48 (i32.add (local.get $B) (i32.shl (local.get $o) (i32.const 2)))))))
      (local.set $row (local.get $R0))
      (block $row_done (loop $row_loop
        (br_if $row_done (i32.ge_u (local.get $row) (local.get $R1)))
        (local.set $n (i32.div_u (local.get $row) (local.get $OH)))
        (local.set $oy (i32.rem_u (local.get $row) (local.get $OH)))
        (local.set $xrow (i32.add (local.get $x) (i32.shl (i32.mul (i32.mul (i32.add
          (i32.mul (local.get $n) (local.get $HP)) (i32.mul (local.get $oy) (local.get $SH)))
          (local.get $WP)) (local.get $CI)) (i32.const 2))))
        (local.set $yrow (i32.add (local.get $y) (i32.shl (i32.mul (i32.mul (i32.add
          (i32.mul (local.get $n) (local.get $OH)) (local.get $oy)) (local.get $OW)) (local.get $CO)) (i32.const 2))))
          (local.set $ox (i32.const 0))
          (block $ox_done (loop $ox_loop
            (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $OW)))
            (local.set $second (i32.lt_u (i32.add (local.get $ox) (i32.const 1)) (local.get $OW)))
            (local.set $off2 (select (local.get $pxBytes) (i32.const 0) (local.get $second)))
            (local.set $xbase (i32.add (local.get $xrow) (i32.mul (local.get $ox) (local.get $pxBytes))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0))
            (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0))
            (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $ky (i32.const 0))
            (block $ky_done (loop $ky_loop
              (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $FH)))
              (local.set $kx (i32.const 0))
              (block $kx_done (loop $kx_loop
                (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $FW)))
                (local.set $xp (i32.add (local.get $xbase) (i32.shl (i32.mul (i32.add
                  (i32.mul (i32.mul (local.get $ky) (local.get $DH)) (local.get $WP))
                  (i32.mul (local.get $kx) (local.get $DWL))) (local.get $CI)) (i32.const 2))))
                (local.set $wp (i32.add (local.get $wblock) (i32.shl (i32.mul (i32.add
                  (i32.mul (local.get $ky) (local.get $FW)) (local.get $kx)) (local.get $CI)) (i32.const 6))))
                (local.set $end (i32.add (local.get $xp) (i32.shl (local.get $CI) (i32.const 2))))
                (loop $c_loop
                  (local.set $w0 (v128.load offset=0 (local.get $wp)))
                  (local.set $w1 (v128.load offset=16 (local.get $wp)))
                  (local.set $w2 (v128.load offset=32 (local.get $wp)))
                  (local.set $w3 (v128.load offset=48 (local.get $wp)))
                  (local.set $s0 (v128.load32_splat (local.get $xp)))
                  (local.set $s1 (v128.load32_splat (i32.add (local.get $xp) (local.get $off2))))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s0) (local.get $w0))))
                  (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s0) (local.get $w1))))
                  (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s0) (local.get $w2))))
                  (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s0) (local.get $w3))))
                  (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s1) (local.get $w0))))
                  (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s1) (local.get $w1))))
                  (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s1) (local.get $w2))))
                  (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s1) (local.get $w3))))
                  (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                  (local.set $wp (i32.add (local.get $wp) (i32.const 64)))
                  (br_if $c_loop (i32.lt_u (local.get $xp) (local.get $end))))
                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                (br $kx_loop)))
              (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
              (br $ky_loop)))
            (if (local.get $B) (then
              (local.set $a0 (f32x4.add (local.get $a0) (local.get $b0)))
              (local.set $a1 (f32x4.add (local.get $a1) (local.get $b1)))
              (local.set $a2 (f32x4.add (local.get $a2) (local.get $b2)))
              (local.set $a3 (f32x4.add (local.get $a3) (local.get $b3)))
              (local.set $a4 (f32x4.add (local.get $a4) (local.get $b0)))
              (local.set $a5 (f32x4.add (local.get $a5) (local.get $b1)))
              (local.set $a6 (f32x4.add (local.get $a6) (local.get $b2)))
              (local.set $a7 (f32x4.add (local.get $a7) (local.get $b3)))))
            (if (local.get $RELU) (then
              (local.set $a0 (f32x4.max (local.get $a0) (v128.const f32x4 0 0 0 0)))
              (local.set $a1 (f32x4.max (local.get $a1) (v128.const f32x4 0 0 0 0)))
              (local.set $a2 (f32x4.max (local.get $a2) (v128.const f32x4 0 0 0 0)))
              (local.set $a3 (f32x4.max (local.get $a3) (v128.const f32x4 0 0 0 0)))
              (local.set $a4 (f32x4.max (local.get $a4) (v128.const f32x4 0 0 0 0)))
              (local.set $a5 (f32x4.max (local.get $a5) (v128.const f32x4 0 0 0 0)))
              (local.set $a6 (f32x4.max (local.get $a6) (v128.const f32x4 0 0 0 0)))
              (local.set $a7 (f32x4.max (local.get $a7) (v128.const f32x4 0 0 0 0)))))
            (local.set $yp (i32.add (local.get $yrow) (i32.shl (i32.add (i32.mul (local.get $ox) (local.get $CO))
              (local.get $o)) (i32.const 2))))
            (v128.store offset=0 (local.get $yp) (local.get $a0))
            (v128.store offset=16 (local.get $yp) (local.get $a1))
            (v128.store offset=32 (local.get $yp) (local.get $a2))
            (v128.store offset=48 (local.get $yp) (local.get $a3))
            (if (local.get $second) (then
              (v128.store offset=0 (i32.add (local.get $yp) (local.get $wstep)) (local.get $a4))
              (v128.store offset=16 (i32.add (local.get $yp) (local.get $wstep)) (local.get $a5))
              (v128.store offset=32 (i32.add (local.get $yp) (local.get $wstep)) (local.get $a6))
              (v128.store offset=48 (i32.add (local.get $yp) (local.get $wstep)) (local.get $a7))))
            (local.set $ox (i32.add (local.get $ox) (i32.const 2)))
            (br $ox_loop)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $row_loop)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $o_loop))))

  ;; filterGrad for output channels a multiple of 8 (not of 16): register tile 4 input channels x 8 output
  ;; channels (8 f32x4 accumulators); same arguments and contract, with c0 a multiple of 4 and o0, o1 multiples
  ;; of 8. A missing 2nd-4th input channel of the last group re-reads the first and is not stored.
  (func (export "filterGrad8")
    (param $x i32) (param $dy i32) (param $dw i32)
    (param $N i32) (param $H i32) (param $W i32) (param $CI i32)
    (param $OH i32) (param $OW i32) (param $CO i32)
    (param $FH i32) (param $FW i32) (param $SH i32) (param $SW i32)
    (param $DH i32) (param $DWL i32) (param $PT i32) (param $PL i32) (param $ROWS i32)
    (param $C0 i32) (param $C1 i32) (param $O0 i32) (param $O1 i32)
    (local $n i32) (local $r0 i32) (local $r1 i32) (local $ky i32) (local $kx i32)
    (local $c i32) (local $o i32) (local $oh i32) (local $iy i32)
    (local $colOff i32) (local $ox0 i32) (local $ox1 i32) (local $t i32)
    (local $xp i32) (local $dp i32) (local $end i32) (local $wp i32)
    (local $xstep i32) (local $dstep i32) (local $k1 i32) (local $k2 i32) (local $k3 i32) (local $live i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $s v128)
    (local.set $xstep (i32.shl (i32.mul (local.get $SW) (local.get $CI)) (i32.const 2)))
    (local.set $dstep (i32.shl (local.get $CO) (i32.const 2)))
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $r0 (i32.const 0))
      (block $r_done (loop $r_loop
        (br_if $r_done (i32.ge_u (local.get $r0) (local.get $OH)))
        (local.set $r1 (i32.add (local.get $r0) (local.get $ROWS)))
        (if (i32.gt_u (local.get $r1) (local.get $OH)) (then (local.set $r1 (local.get $OH))))
        (local.set $ky (i32.const 0))
        (block $ky_done (loop $ky_loop
          (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $FH)))
          (local.set $kx (i32.const 0))
          (block $kx_done (loop $kx_loop
            (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $FW)))
            (local.set $colOff (i32.sub (i32.mul (local.get $kx) (local.get $DWL)) (local.get $PL)))
            (local.set $t (i32.sub (i32.const 0) (local.get $colOff)))
            (local.set $ox0 (i32.const 0))
            (if (i32.gt_s (local.get $t) (i32.const 0))
              (then (local.set $ox0
                (i32.div_u (i32.add (local.get $t) (i32.sub (local.get $SW) (i32.const 1))) (local.get $SW)))))
            (if (i32.gt_u (local.get $ox0) (local.get $OW)) (then (local.set $ox0 (local.get $OW))))
            (local.set $t (i32.sub (local.get $W) (local.get $colOff)))
            (local.set $ox1 (i32.const 0))
            (if (i32.gt_s (local.get $t) (i32.const 0))
              (then (local.set $ox1
                (i32.div_u (i32.add (local.get $t) (i32.sub (local.get $SW) (i32.const 1))) (local.get $SW)))))
            (if (i32.gt_u (local.get $ox1) (local.get $OW)) (then (local.set $ox1 (local.get $OW))))
            (if (i32.lt_u (local.get $ox0) (local.get $ox1)) (then
              (local.set $c (local.get $C0))
              (block $c_done (loop $c_loop
                (br_if $c_done (i32.ge_u (local.get $c) (local.get $C1)))
                ;; input channels c .. c+3 that exist: live = min(4, c1 - c); byte offsets of the others
                (local.set $live (i32.sub (local.get $C1) (local.get $c)))
                (if (i32.gt_u (local.get $live) (i32.const 4)) (then (local.set $live (i32.const 4))))
                (local.set $k1 (select (i32.const 4) (i32.const 0) (i32.gt_u (local.get $live) (i32.const 1))))
                (local.set $k2 (select (i32.const 8) (i32.const 0) (i32.gt_u (local.get $live) (i32.const 2))))
                (local.set $k3 (select (i32.const 12) (i32.const 0) (i32.gt_u (local.get $live) (i32.const 3))))
                (local.set $o (local.get $O0))
                (block $o_done (loop $o_loop
                  (br_if $o_done (i32.ge_u (local.get $o) (local.get $O1)))
                  (local.set $wp (i32.add (local.get $dw) (i32.shl
                    (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $FW))
                      (local.get $kx)) (local.get $CI)) (local.get $c)) (local.get $CO)) (local.get $o))
                    (i32.const 2))))
                  (if (i32.gt_u (local.get $live) (i32.const 0))
                    (then
                      (local.set $a0 (v128.load offset=0 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 0)))))
                      (local.set $a1 (v128.load offset=16 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 0))))))
                    (else
                      (local.set $a0 (v128.const i32x4 0 0 0 0))
                      (local.set $a1 (v128.const i32x4 0 0 0 0))))
                  (if (i32.gt_u (local.get $live) (i32.const 1))
                    (then
                      (local.set $a2 (v128.load offset=0 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 1)))))
                      (local.set $a3 (v128.load offset=16 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 1))))))
                    (else
                      (local.set $a2 (v128.const i32x4 0 0 0 0))
                      (local.set $a3 (v128.const i32x4 0 0 0 0))))
                  (if (i32.gt_u (local.get $live) (i32.const 2))
                    (then
                      (local.set $a4 (v128.load offset=0 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 2)))))
                      (local.set $a5 (v128.load offset=16 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 2))))))
                    (else
                      (local.set $a4 (v128.const i32x4 0 0 0 0))
                      (local.set $a5 (v128.const i32x4 0 0 0 0))))
                  (if (i32.gt_u (local.get $live) (i32.const 3))
                    (then
                      (local.set $a6 (v128.load offset=0 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 3)))))
                      (local.set $a7 (v128.load offset=16 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 3))))))
                    (else
                      (local.set $a6 (v128.const i32x4 0 0 0 0))
                      (local.set $a7 (v128.const i32x4 0 0 0 0))))
                  (local.set $oh (local.get $r0))
                  (block $oh_done (loop $oh_loop
                    (br_if $oh_done (i32.ge_u (local.get $oh) (local.get $r1)))
                    (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oh) (local.get $SH))
                      (i32.mul (local.get $ky) (local.get $DH))) (local.get $PT)))
                    (if (i32.lt_u (local.get $iy) (local.get $H)) (then
                      (local.set $xp (i32.add (local.get $x) (i32.shl
                        (i32.add (i32.mul (i32.add (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H))
                          (local.get $iy)) (local.get $W)) (i32.mul (local.get $ox0) (local.get $SW)))
                          (local.get $colOff)) (local.get $CI)) (local.get $c))
                        (i32.const 2))))
                      (local.set $dp (i32.add (local.get $dy) (i32.shl
                        (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $OH))
                          (local.get $oh)) (local.get $OW)) (local.get $ox0)) (local.get $CO)) (local.get $o))
                        (i32.const 2))))
                      (local.set $end (i32.add (local.get $dp)
                        (i32.mul (i32.sub (local.get $ox1) (local.get $ox0)) (local.get $dstep))))
                      (loop $px
                        (local.set $d0 (v128.load offset=0 (local.get $dp)))
                        (local.set $d1 (v128.load offset=16 (local.get $dp)))
                        (local.set $s (v128.load32_splat (local.get $xp)))
                        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $k1))))
                        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $k2))))
                        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $k3))))
                        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $xp (i32.add (local.get $xp) (local.get $xstep)))
                        (local.set $dp (i32.add (local.get $dp) (local.get $dstep)))
                        (br_if $px (i32.lt_u (local.get $dp) (local.get $end))))))
                    (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
                    (br $oh_loop)))
                  (if (i32.gt_u (local.get $live) (i32.const 0)) (then
                    (v128.store offset=0 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 0))) (local.get $a0))
                    (v128.store offset=16 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 0))) (local.get $a1))))
                  (if (i32.gt_u (local.get $live) (i32.const 1)) (then
                    (v128.store offset=0 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 1))) (local.get $a2))
                    (v128.store offset=16 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 1))) (local.get $a3))))
                  (if (i32.gt_u (local.get $live) (i32.const 2)) (then
                    (v128.store offset=0 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 2))) (local.get $a4))
                    (v128.store offset=16 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 2))) (local.get $a5))))
                  (if (i32.gt_u (local.get $live) (i32.const 3)) (then
                    (v128.store offset=0 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 3))) (local.get $a6))
                    (v128.store offset=16 (i32.add (local.get $wp) (i32.mul (local.get $dstep) (i32.const 3))) (local.get $a7))))
                  (local.set $o (i32.add (local.get $o) (i32.const 8)))
                  (br $o_loop)))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $c_loop)))))
            (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
            (br $kx_loop)))
          (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
          (br $ky_loop)))
        (local.set $r0 (i32.add (local.get $r0) (local.get $ROWS)))
        (br $r_loop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop))))

  ;; conv2d for output channels a multiple of 8 (not of 16): register tile 4 neighbouring output pixels x 8
  ;; output channels (8 f32x4 accumulators); same arguments and contract. Missing pixels at the end of a row
  ;; re-read the first of the group and are not stored.
  (func (export "conv2d8")
    (param $x i32) (param $w i32) (param $y i32)
    (param $N i32) (param $HP i32) (param $WP i32) (param $CI i32)
    (param $OH i32) (param $OW i32) (param $CO i32)
    (param $FH i32) (param $FW i32) (param $SH i32) (param $SW i32) (param $DH i32) (param $DWL i32)
    (param $R0 i32) (param $R1 i32)
    (local $row i32) (local $n i32) (local $oy i32) (local $o i32) (local $ox i32) (local $ky i32) (local $kx i32)
    (local $xrow i32) (local $yrow i32) (local $xbase i32) (local $xp i32) (local $wp i32) (local $end i32)
    (local $yp i32) (local $live i32) (local $k1 i32) (local $k2 i32) (local $k3 i32) (local $pxBytes i32)
    (local $wstep i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $w0 v128) (local $w1 v128) (local $s v128)
    (local.set $pxBytes (i32.shl (i32.mul (local.get $SW) (local.get $CI)) (i32.const 2)))
    (local.set $wstep (i32.shl (local.get $CO) (i32.const 2)))
    (local.set $row (local.get $R0))
    (block $row_done (loop $row_loop
        (br_if $row_done (i32.ge_u (local.get $row) (local.get $R1)))
        (local.set $n (i32.div_u (local.get $row) (local.get $OH)))
        (local.set $oy (i32.rem_u (local.get $row) (local.get $OH)))
        (local.set $xrow (i32.add (local.get $x) (i32.shl (i32.mul (i32.mul (i32.add
          (i32.mul (local.get $n) (local.get $HP)) (i32.mul (local.get $oy) (local.get $SH)))
          (local.get $WP)) (local.get $CI)) (i32.const 2))))
        (local.set $yrow (i32.add (local.get $y) (i32.shl (i32.mul (i32.mul (i32.add
          (i32.mul (local.get $n) (local.get $OH)) (local.get $oy)) (local.get $OW)) (local.get $CO)) (i32.const 2))))
        (local.set $o (i32.const 0))
        (block $o_done (loop $o_loop
          (br_if $o_done (i32.ge_u (local.get $o) (local.get $CO)))
          (local.set $ox (i32.const 0))
          (block $ox_done (loop $ox_loop
            (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $OW)))
            (local.set $live (i32.sub (local.get $OW) (local.get $ox)))
            (if (i32.gt_u (local.get $live) (i32.const 4)) (then (local.set $live (i32.const 4))))
            (local.set $k1 (select (local.get $pxBytes) (i32.const 0) (i32.gt_u (local.get $live) (i32.const 1))))
            (local.set $k2 (select (i32.shl (local.get $pxBytes) (i32.const 1)) (i32.const 0)
              (i32.gt_u (local.get $live) (i32.const 2))))
            (local.set $k3 (select (i32.mul (local.get $pxBytes) (i32.const 3)) (i32.const 0)
              (i32.gt_u (local.get $live) (i32.const 3))))
            (local.set $xbase (i32.add (local.get $xrow) (i32.mul (local.get $ox) (local.get $pxBytes))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0))
            (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0))
            (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $ky (i32.const 0))
            (block $ky_done (loop $ky_loop
              (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $FH)))
              (local.set $kx (i32.const 0))
              (block $kx_done (loop $kx_loop
                (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $FW)))
                (local.set $xp (i32.add (local.get $xbase) (i32.shl (i32.mul (i32.add
                  (i32.mul (i32.mul (local.get $ky) (local.get $DH)) (local.get $WP))
                  (i32.mul (local.get $kx) (local.get $DWL))) (local.get $CI)) (i32.const 2))))
                (local.set $wp (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (i32.mul (i32.add
                  (i32.mul (local.get $ky) (local.get $FW)) (local.get $kx)) (local.get $CI)) (local.get $CO))
                  (local.get $o)) (i32.const 2))))
                (local.set $end (i32.add (local.get $xp) (i32.shl (local.get $CI) (i32.const 2))))
                (loop $c_loop
                  (local.set $w0 (v128.load offset=0 (local.get $wp)))
                  (local.set $w1 (v128.load offset=16 (local.get $wp)))
                  (local.set $s (v128.load32_splat (local.get $xp)))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $w0))))
                  (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $w1))))
                  (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $k1))))
                  (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $w0))))
                  (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $w1))))
                  (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $k2))))
                  (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $w0))))
                  (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $w1))))
                  (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $k3))))
                  (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $w0))))
                  (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $w1))))
                  (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                  (local.set $wp (i32.add (local.get $wp) (local.get $wstep)))
                  (br_if $c_loop (i32.lt_u (local.get $xp) (local.get $end))))
                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                (br $kx_loop)))
              (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
              (br $ky_loop)))
            (local.set $yp (i32.add (local.get $yrow) (i32.shl (i32.add (i32.mul (local.get $ox) (local.get $CO))
              (local.get $o)) (i32.const 2))))
            (if (i32.gt_u (local.get $live) (i32.const 0)) (then
              (v128.store offset=0 (local.get $yp) (local.get $a0))
              (v128.store offset=16 (local.get $yp) (local.get $a1))))
            (if (i32.gt_u (local.get $live) (i32.const 1)) (then
              (v128.store offset=0 (i32.add (local.get $yp) (i32.mul (local.get $wstep) (i32.const 1))) (local.get $a2))
              (v128.store offset=16 (i32.add (local.get $yp) (i32.mul (local.get $wstep) (i32.const 1))) (local.get $a3))))
            (if (i32.gt_u (local.get $live) (i32.const 2)) (then
              (v128.store offset=0 (i32.add (local.get $yp) (i32.mul (local.get $wstep) (i32.const 2))) (local.get $a4))
              (v128.store offset=16 (i32.add (local.get $yp) (i32.mul (local.get $wstep) (i32.const 2))) (local.get $a5))))
            (if (i32.gt_u (local.get $live) (i32.const 3)) (then
              (v128.store offset=0 (i32.add (local.get $yp) (i32.mul (local.get $wstep) (i32.const 3))) (local.get $a6))
              (v128.store offset=16 (i32.add (local.get $yp) (i32.mul (local.get $wstep) (i32.const 3))) (local.get $a7))))
            (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
            (br $ox_loop)))
          (local.set $o (i32.add (local.get $o) (i32.const 8)))
          (br $o_loop)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $row_loop))))
)
