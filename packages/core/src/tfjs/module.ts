// TensorFlow.js as core uses it, where it loads as an ES module (browsers, bundlers, which can
// then drop what core never calls). In Node "#tfjs" resolves to node.ts instead: see there why.
export * from '@tensorflow/tfjs';
