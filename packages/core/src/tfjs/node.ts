// TensorFlow.js as core uses it, in Node (package.json "imports": "#tfjs" under the "node"
// condition; elsewhere module.ts). @tensorflow/tfjs gives Node a CommonJS bundle, and an ES
// `import` of one makes Node read and lex it and every bundle it re-exports (about 10 MB of
// source) to learn its export names: 0.2 CPU-s of each worker's and coordinator's start here
// (node -e of the worker package + initBackend('wasm'), 5 runs each: 1.13-1.26 s against
// 0.95-1.08 s). require() skips that; the names are then listed here, once, so that
// `import * as tf from '#tfjs'` keeps working (and bundlers keep tree-shaking module.ts).
// The list is tfjs 4.22.0's; test/tfjs-entry.test.ts fails when it and the package differ.
// Regenerate: node -e "console.log(Object.keys(require('@tensorflow/tfjs')).sort().join(', '))"
import { createRequire } from 'node:module';
// Typed loosely: consumers get module.ts's types (the "types" condition), never this file's.
const tf = createRequire(import.meta.url)('@tensorflow/tfjs') as Record<string, unknown>;

export const {
  Abs, Acos, Acosh, AdadeltaOptimizer, AdagradOptimizer, AdamOptimizer, AdamaxOptimizer, Add, AddN,
  All, Any, ArgMax, ArgMin, Asin, Asinh, Atan, Atan2, Atanh, AvgPool, AvgPool3D, AvgPool3DGrad,
  AvgPoolGrad, BatchMatMul, BatchToSpaceND, Bincount, BitwiseAnd, BroadcastArgs, BroadcastTo,
  Callback, CallbackList, Cast, Ceil, ClipByValue, Complex, ComplexAbs, Concat, Conv2D,
  Conv2DBackpropFilter, Conv2DBackpropInput, Conv3D, Conv3DBackpropFilterV2, Conv3DBackpropInputV2,
  Cos, Cosh, CropAndResize, Cumprod, Cumsum, CustomCallback, DataStorage, DenseBincount,
  DepthToSpace, DepthwiseConv2dNative, DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput, Diag, Dilation2D, Dilation2DBackpropFilter,
  Dilation2DBackpropInput, Draw, ENV, EarlyStopping, Einsum, Elu, EluGrad, Environment, Equal, Erf,
  Exp, ExpandDims, Expm1, FFT, Fill, FlipLeftRight, Floor, FloorDiv, FromPixels, FusedBatchNorm,
  FusedConv2D, FusedDepthwiseConv2D, GPGPUContext, GatherNd, GatherV2, GraphModel, Greater,
  GreaterEqual, History, IFFT, Identity, Imag, InputSpec, IsFinite, IsInf, IsNan, KernelBackend,
  LRN, LRNGrad, LayerVariable, LayersModel, LeakyRelu, Less, LessEqual, LinSpace, Log, Log1p,
  LogSoftmax, LogicalAnd, LogicalNot, LogicalOr, LogicalXor, LowerBound, MathBackendCPU,
  MathBackendWebGL, MatrixBandPart, Max, MaxPool, MaxPool3D, MaxPool3DGrad, MaxPoolGrad,
  MaxPoolWithArgmax, Maximum, Mean, Min, Minimum, MirrorPad, Mod, MomentumOptimizer, Multinomial,
  Multiply, Neg, NonMaxSuppressionV3, NonMaxSuppressionV4, NonMaxSuppressionV5, NotEqual,
  OP_SCOPE_SUFFIX, OneHot, OnesLike, Optimizer, OptimizerConstructors, Pack, PadV2, Pool, Pow,
  Prelu, Prod, RMSPropOptimizer, RNN, RaggedGather, RaggedRange, RaggedTensorToTensor, Range, Rank,
  Real, RealDiv, Reciprocal, Reduction, Relu, Relu6, Reshape, ResizeBilinear, ResizeBilinearGrad,
  ResizeNearestNeighbor, ResizeNearestNeighborGrad, Reverse, RotateWithOffset, Round, Rsqrt,
  SGDOptimizer, ScatterNd, SearchSorted, Select, Selu, Sequential, Sigmoid, Sign, Sin, Sinh, Slice,
  Softmax, Softplus, SpaceToBatchND, SparseFillEmptyRows, SparseReshape, SparseSegmentMean,
  SparseSegmentSum, SparseToDense, SplitV, Sqrt, Square, SquaredDifference, StaticRegexReplace,
  Step, StridedSlice, StringNGrams, StringSplit, StringToHashBucketFast, Sub, Sum, SymbolicTensor,
  Tan, Tanh, Tensor, TensorBuffer, TensorScatterUpdate, Tile, TopK, Transform, Transpose, Unique,
  Unpack, UnsortedSegmentSum, UpperBound, Variable, ZerosLike, _FusedMatMul, abs, acos, acosh, add,
  addN, all, any, argMax, argMin, asin, asinh, atan, atan2, atanh, avgPool, avgPool3d, backend,
  backend_util, basicLSTMCell, batchNorm, batchNorm2d, batchNorm3d, batchNorm4d, batchToSpaceND,
  bincount, bitwiseAnd, booleanMaskAsync, broadcastArgs, broadcastTo, broadcast_util, browser,
  buffer, callbacks, cast, ceil, clipByValue, clone, complex, concat, concat1d, concat2d, concat3d,
  concat4d, constraints, conv1d, conv2d, conv2dTranspose, conv3d, conv3dTranspose,
  copyRegisteredKernels, cos, cosh, cosineWindow, cumprod, cumsum, customGrad, data, denseBincount,
  deprecationWarn, depthToSpace, depthwiseConv2d, deregisterOp, device_util, diag, dilation2d,
  disableDeprecationWarnings, dispose, disposeVariables, div, divNoNan, dot, dropout, einsum, elu,
  enableDebugMode, enableProdMode, enclosingPowerOfTwo, engine, ensureShape, env, equal, erf,
  euclideanNorm, exp, expandDims, expm1, eye, fft, fill, findBackend, findBackendFactory, floor,
  floorDiv, forceHalfFloat, fused, gather, gatherND, gather_util, getBackend, getGradient,
  getKernel, getKernelsForBackend, gpgpu_util, grad, grads, greater, greaterEqual, ifft, imag,
  image, inTopKAsync, initializers, input, io, irfft, isFinite, isInf, isNaN, keep, kernel_impls,
  layers, leakyRelu, less, lessEqual, linalg, linspace, loadGraphModel, loadGraphModelSync,
  loadLayersModel, localResponseNormalization, log, log1p, logSigmoid, logSoftmax, logSumExp,
  logicalAnd, logicalNot, logicalOr, logicalXor, losses, lowerBound, matMul, math, max, maxPool,
  maxPool3d, maxPoolWithArgmax, maximum, mean, memory, meshgrid, metrics, min, minimum, mirrorPad,
  mod, model, models, moments, movingAverage, mul, multiRNNCell, multinomial, neg, nextFrame, norm,
  notEqual, oneHot, ones, onesLike, op, outerProduct, pad, pad1d, pad2d, pad3d, pad4d, pool, pow,
  prelu, print, prod, profile, raggedGather, raggedRange, raggedTensorToTensor, rand, randomGamma,
  randomNormal, randomStandardNormal, randomUniform, randomUniformInt, range, ready, real,
  reciprocal, registerBackend, registerCallbackConstructor, registerGradient, registerKernel,
  registerOp, regularizers, relu, relu6, removeBackend, reshape, reverse, reverse1d, reverse2d,
  reverse3d, reverse4d, rfft, round, rsqrt, scalar, scatterND, scatter_util, searchSorted, selu,
  separableConv2d, sequential, serialization, setBackend, setPlatform, setWebGLContext,
  setdiff1dAsync, shared, sigmoid, sign, signal, sin, sinh, slice, slice1d, slice2d, slice3d,
  slice4d, slice_util, softmax, softplus, spaceToBatchND, sparse, sparseToDense, spectral, split,
  sqrt, square, squaredDifference, squeeze, stack, step, stridedSlice, string, sub, sum,
  sumOutType, tan, tanh, tensor, tensor1d, tensor2d, tensor3d, tensor4d, tensor5d, tensor6d,
  tensorScatterUpdate, tensor_util, test_util, tidy, tile, time, topk, train, transpose,
  truncatedNormal, unique, unregisterGradient, unregisterKernel, unsortedSegmentSum, unstack,
  upcastType, upperBound, util, valueAndGrad, valueAndGrads, variable, variableGrads, version,
  version_converter, version_core, version_cpu, version_layers, version_webgl, webgl, webgl_util,
  where, whereAsync, zeros, zerosLike,
} = tf;
