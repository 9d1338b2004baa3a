/**
 * A persistent, embedded index of image embeddings: {@link dev.imgsim.index.ImageIndex} stores the
 * vectors of an {@link dev.imgsim.ImageSimilarity} model in a directory (Apache Lucene 9.12, HNSW
 * graphs of float32 or int8-quantised vectors compared by dot product on L2-normalised vectors,
 * which is cosine similarity), and answers nearest-neighbour, threshold and duplicate queries.
 *
 * <pre>{@code
 * try (ImageSimilarity sim = ImageSimilarity.create();
 *      ImageIndex index = ImageIndex.open(Paths.get("photos.idx"), sim)) {
 *     IndexReport report = index.addAll(files, (done, total, failed, nanos) -> { });
 *     for (Hit hit : index.search(Paths.get("query.jpg"), 10)) {
 *         System.out.println(hit.id() + " " + hit.similarity());
 *     }
 *     for (DuplicateGroup g : index.duplicates(0.95)) {
 *         System.out.println(g.ids());
 *     }
 * }
 * }</pre>
 *
 * <p><b>Defaults</b> ({@link dev.imgsim.index.IndexOptions#defaults()}): float32 vectors, HNSW
 * M = 16 and beam width 100 (Lucene's defaults), 100 candidates explored per search, one
 * ingestion thread per core, a commit every 1,000 images. docs/SEARCH.md measures what they give.
 *
 * <p><b>On disk</b> a Lucene index: one document per image with its id (a keyword field), its
 * vector ({@code KnnFloatVectorField}, {@code DOT_PRODUCT}), its fields, and for files their size
 * and modification time; with copy features, those as binary doc values and the grey thumbnail of
 * the picture (a second vector field, 256 values, {@code DOT_PRODUCT}) whose neighbours copy search adds,
 * and the words of its local features (indexed 4-byte terms of {@code _copy.words}, about 1,300 an
 * image) that copy search looks up; every commit records the model's SHA-256 and dimension and the storage
 * settings ({@code imgsim.*} keys in the commit's user data). The same documents and similarity
 * map onto an OpenSearch/Elasticsearch k-NN index when a collection outgrows one machine.
 *
 * <p><b>Errors</b> are {@link dev.imgsim.index.ImageIndexException}s (a subclass of
 * {@link dev.imgsim.ImageSimilarityException}) naming the directory:
 * {@link dev.imgsim.index.ModelMismatchException} for an index of another model,
 * {@link dev.imgsim.index.IndexLockedException} for a second writer. Bad image files in
 * {@link dev.imgsim.index.ImageIndex#addAll} are reported per file in the
 * {@link dev.imgsim.index.IndexReport} and do not stop the others.
 */
package dev.imgsim.index;
