;; A gate module's global average pool in SIMD, in place on the tfjs-backend-wasm heap (conventions: conv.wat's
;; header): the channel sums of a block input h [N, H, W, C] over its H*W pixels, one pass over h. The fused gate
;; kernel (gate_module.ts) divides by H*W and does the rest of the gate on the [N, C] sums.
(module
  (import "env" "memory" (memory 1))

  ;; s[n, c] = sum over p < HW of h[n, p, c], summed in pixel order with one float32 accumulator per channel.
  ;; s is overwritten and may not overlap h.
  (func (export "poolSum")
    (param $h i32) (param $s i32) (param $N i32) (param $HW i32) (param $C i32)
    (local $n i32) (local $p i32) (local $c i32) (local $srow i32) (local $c4 i32) (local $off i32)
    (local $rowBytes i32) (local $at i32)
    (local.set $rowBytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $c4 (i32.and (local.get $C) (i32.const -4)))
    (memory.fill (local.get $s) (i32.const 0) (i32.mul (local.get $N) (local.get $rowBytes)))
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $srow (i32.add (local.get $s) (i32.mul (local.get $n) (local.get $rowBytes))))
      (local.set $p (i32.const 0))
      (block $p_done (loop $p_loop
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $HW)))
        (local.set $c (i32.const 0))
        (block $v_done (loop $v_loop
          (br_if $v_done (i32.ge_u (local.get $c) (local.get $c4)))
          (local.set $off (i32.shl (local.get $c) (i32.const 2)))
          (local.set $at (i32.add (local.get $srow) (local.get $off)))
          (v128.store (local.get $at)
            (f32x4.add (v128.load (local.get $at)) (v128.load (i32.add (local.get $h) (local.get $off)))))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $v_loop)))
        (block $s_done (loop $s_loop
          (br_if $s_done (i32.ge_u (local.get $c) (local.get $C)))
          (local.set $off (i32.shl (local.get $c) (i32.const 2)))
          (local.set $at (i32.add (local.get $srow) (local.get $off)))
          (f32.store (local.get $at)
            (f32.add (f32.load (local.get $at)) (f32.load (i32.add (local.get $h) (local.get $off)))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $s_loop)))
        (local.set $h (i32.add (local.get $h) (local.get $rowBytes)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $p_loop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop)))
  )
)
