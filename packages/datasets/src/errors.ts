/**
 * A bundled dataset's package is missing or its files are not what this reader expects (a broken
 * install). One sentence naming the file or package. @dgm/core's loadDataset turns it into its
 * DatasetError (the caller's input: exit 2 in the CLI); this package imports nothing of dgm, so
 * it cannot extend that class itself.
 */
export class BundledDatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundledDatasetError';
  }
}
