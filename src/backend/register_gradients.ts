// tfjs-core's Node build (dist/tf-core.node.js) ships no gradient definitions: `tf.grad` of an ordinary op
// fails with "gradient function not found". The @tensorflow/tfjs umbrella's Node build registers all of
// tfjs's gradients (and the chained tensor methods) into the one tfjs-core instance it shares with us.
// Loaded once, from initBackend, so that the library itself stays free of import-time side effects.
let registered: Promise<void> | undefined;

export function registerGradients(): Promise<void> {
  registered ??= import('@tensorflow/tfjs').then(() => undefined);
  return registered;
}
