package dev.imgsim.cli;

import java.nio.file.Path;

import dev.imgsim.ImageSimilarity;
import picocli.CommandLine.Option;

/** The model options every command shares. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "FILE", description = "ONNX image model to use instead of the bundled default model.")
    Path model;

    @Option(names = "--int8", description = "Use the bundled INT8 model (4.5 MB, faster, slightly less exact).")
    boolean int8;

    ImageSimilarity open() {
        if (model != null && int8) {
            throw new IllegalArgumentException("--model and --int8 exclude each other");
        }
        if (model != null) {
            return ImageSimilarity.create(model);
        }
        return int8 ? ImageSimilarity.builder().model(ImageSimilarity.BundledModel.INT8).build() : ImageSimilarity.create();
    }
}
