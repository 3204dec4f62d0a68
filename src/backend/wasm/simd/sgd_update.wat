;; One SGD-with-momentum update of a parameter in one pass, in SIMD, in place on the tfjs-backend-wasm heap
;; (conventions: conv.wat's header). The optimiser's tf-op form is 8 kernels per parameter (src/train/optimizer.ts):
;;   d = g + wd w;  v' = mu v + d;  u = nesterov ? d + mu v' : v';  w' = w - lr u
;; Each step here is one float32 operation in the same order (no fused multiply-add), so the results are
;; bit-identical to those kernels'.
(module
  (import "env" "memory" (memory 1))

  ;; flags: bit 0 weight decay (wd > 0), bit 1 Nesterov. wOut and vOut may not overlap the inputs.
  (func (export "sgdUpdate")
    (param $w i32) (param $g i32) (param $v i32) (param $wOut i32) (param $vOut i32) (param $n i32)
    (param $lr f32) (param $wd f32) (param $mu f32) (param $flags i32)
    (local $i i32) (local $n4 i32) (local $off i32) (local $decay i32) (local $nesterov i32)
    (local $lrv v128) (local $wdv v128) (local $muv v128)
    (local $wv v128) (local $d v128) (local $next v128) (local $u v128)
    (local $ws f32) (local $ds f32) (local $nexts f32) (local $us f32)
    (local.set $decay (i32.and (local.get $flags) (i32.const 1)))
    (local.set $nesterov (i32.and (local.get $flags) (i32.const 2)))
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (local.set $wdv (f32x4.splat (local.get $wd)))
    (local.set $muv (f32x4.splat (local.get $mu)))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $i (i32.const 0))
    (block $v_done (loop $v_loop
      (br_if $v_done (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $off (i32.shl (local.get $i) (i32.const 2)))
      (local.set $wv (v128.load (i32.add (local.get $w) (local.get $off))))
      (local.set $d (v128.load (i32.add (local.get $g) (local.get $off))))
      (if (local.get $decay)
        (then (local.set $d (f32x4.add (local.get $d) (f32x4.mul (local.get $wv) (local.get $wdv))))))
      (local.set $next
        (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $off))) (local.get $muv))
          (local.get $d)))
      (v128.store (i32.add (local.get $vOut) (local.get $off)) (local.get $next))
      (local.set $u (local.get $next))
      (if (local.get $nesterov)
        (then (local.set $u (f32x4.add (local.get $d) (f32x4.mul (local.get $next) (local.get $muv))))))
      (v128.store (i32.add (local.get $wOut) (local.get $off))
        (f32x4.sub (local.get $wv) (f32x4.mul (local.get $u) (local.get $lrv))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $v_loop)))
    (block $s_done (loop $s_loop
      (br_if $s_done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $off (i32.shl (local.get $i) (i32.const 2)))
      (local.set $ws (f32.load (i32.add (local.get $w) (local.get $off))))
      (local.set $ds (f32.load (i32.add (local.get $g) (local.get $off))))
      (if (local.get $decay)
        (then (local.set $ds (f32.add (local.get $ds) (f32.mul (local.get $ws) (local.get $wd))))))
      (local.set $nexts
        (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $off))) (local.get $mu)) (local.get $ds)))
      (f32.store (i32.add (local.get $vOut) (local.get $off)) (local.get $nexts))
      (local.set $us (local.get $nexts))
      (if (local.get $nesterov)
        (then (local.set $us (f32.add (local.get $ds) (f32.mul (local.get $nexts) (local.get $mu))))))
      (f32.store (i32.add (local.get $wOut) (local.get $off))
        (f32.sub (local.get $ws) (f32.mul (local.get $us) (local.get $lr))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $s_loop)))
  )
)
