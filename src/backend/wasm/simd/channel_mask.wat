;; Applying a per-sample channel mask m [N, C] to a feature map h [N, H, W, C] (a gated block's conv1 output),
;; forward and backward, in SIMD, in place on the tfjs-backend-wasm heap (conventions: conv.wat's header).
;; The forward is one pass over h with no broadcast copy of m; the backward reads dy and h once and writes both
;; gradients, dh = dy * m and dm[n, c] = sum over the H*W pixels of dy * h, where the tf-op path runs two
;; multiplies over the whole map (after tiling m) and a reduction.
(module
  (import "env" "memory" (memory 1))

  ;; y[n, p, c] = h[n, p, c] * m[n, c] for p < HW (the H*W pixels). y may not overlap h or m.
  (func (export "maskForward")
    (param $h i32) (param $m i32) (param $y i32) (param $N i32) (param $HW i32) (param $C i32)
    (local $n i32) (local $p i32) (local $c i32) (local $mrow i32) (local $c4 i32) (local $off i32)
    (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $c4 (i32.and (local.get $C) (i32.const -4)))
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $mrow (i32.add (local.get $m) (i32.mul (local.get $n) (local.get $rowBytes))))
      (local.set $p (i32.const 0))
      (block $p_done (loop $p_loop
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $HW)))
        (local.set $c (i32.const 0))
        (block $v_done (loop $v_loop
          (br_if $v_done (i32.ge_u (local.get $c) (local.get $c4)))
          (local.set $off (i32.shl (local.get $c) (i32.const 2)))
          (v128.store (i32.add (local.get $y) (local.get $off))
            (f32x4.mul
              (v128.load (i32.add (local.get $h) (local.get $off)))
              (v128.load (i32.add (local.get $mrow) (local.get $off)))))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $v_loop)))
        (block $s_done (loop $s_loop
          (br_if $s_done (i32.ge_u (local.get $c) (local.get $C)))
          (local.set $off (i32.shl (local.get $c) (i32.const 2)))
          (f32.store (i32.add (local.get $y) (local.get $off))
            (f32.mul
              (f32.load (i32.add (local.get $h) (local.get $off)))
              (f32.load (i32.add (local.get $mrow) (local.get $off)))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $s_loop)))
        (local.set $h (i32.add (local.get $h) (local.get $rowBytes)))
        (local.set $y (i32.add (local.get $y) (local.get $rowBytes)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $p_loop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop)))
  )

  ;; dh[n, p, c] = dy[n, p, c] * m[n, c];  dm[n, c] = sum over p < HW of dy[n, p, c] * h[n, p, c]
  ;; (summed in pixel order, one float32 accumulator per channel). dh and dm are overwritten and may not overlap
  ;; the inputs.
  (func (export "maskBackward")
    (param $dy i32) (param $h i32) (param $m i32) (param $dh i32) (param $dm i32)
    (param $N i32) (param $HW i32) (param $C i32)
    (local $n i32) (local $p i32) (local $c i32) (local $mrow i32) (local $dmrow i32) (local $c4 i32)
    (local $off i32) (local $rowBytes i32) (local $d v128) (local $ds f32) (local $at i32)
    (local.set $rowBytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $c4 (i32.and (local.get $C) (i32.const -4)))
    (memory.fill (local.get $dm) (i32.const 0) (i32.mul (local.get $N) (local.get $rowBytes)))
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $mrow (i32.add (local.get $m) (i32.mul (local.get $n) (local.get $rowBytes))))
      (local.set $dmrow (i32.add (local.get $dm) (i32.mul (local.get $n) (local.get $rowBytes))))
      (local.set $p (i32.const 0))
      (block $p_done (loop $p_loop
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $HW)))
        (local.set $c (i32.const 0))
        (block $v_done (loop $v_loop
          (br_if $v_done (i32.ge_u (local.get $c) (local.get $c4)))
          (local.set $off (i32.shl (local.get $c) (i32.const 2)))
          (local.set $d (v128.load (i32.add (local.get $dy) (local.get $off))))
          (v128.store (i32.add (local.get $dh) (local.get $off))
            (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $mrow) (local.get $off)))))
          (local.set $at (i32.add (local.get $dmrow) (local.get $off)))
          (v128.store (local.get $at)
            (f32x4.add (v128.load (local.get $at))
              (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $h) (local.get $off))))))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $v_loop)))
        (block $s_done (loop $s_loop
          (br_if $s_done (i32.ge_u (local.get $c) (local.get $C)))
          (local.set $off (i32.shl (local.get $c) (i32.const 2)))
          (local.set $ds (f32.load (i32.add (local.get $dy) (local.get $off))))
          (f32.store (i32.add (local.get $dh) (local.get $off))
            (f32.mul (local.get $ds) (f32.load (i32.add (local.get $mrow) (local.get $off)))))
          (local.set $at (i32.add (local.get $dmrow) (local.get $off)))
          (f32.store (local.get $at)
            (f32.add (f32.load (local.get $at))
              (f32.mul (local.get $ds) (f32.load (i32.add (local.get $h) (local.get $off))))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $s_loop)))
        (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
        (local.set $h (i32.add (local.get $h) (local.get $rowBytes)))
        (local.set $dh (i32.add (local.get $dh) (local.get $rowBytes)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $p_loop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop)))
  )
)
