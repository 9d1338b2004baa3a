package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;

import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageDecodeException;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.ImageTooLargeException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every command shares: the model options, its output streams, reporting a bad input. */
abstract class ModelCommand {
    @Mixin
    ModelOptions model;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A usage error unless {@code k} (the -k option) is at least 1. */
    static void requirePositiveK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("-k must be at least 1, got " + k);
        }
    }

    /** The file's embedding, or null after saying on standard error why it cannot be read. */
    float[] embedOrReport(ImageSimilarity sim, Path file) {
        try {
            return sim.embed(file);
        } catch (ImageDecodeException | ImageTooLargeException e) {
            err().println("imgsim: " + e.getMessage());
            return null;
        }
    }

    /** The file's copy features, or null after saying on standard error why it cannot be read. */
    CopyFeatures analyzeOrReport(ImageSimilarity sim, Path file) {
        try {
            return sim.analyze(file);
        } catch (ImageDecodeException | ImageTooLargeException e) {
            err().println("imgsim: " + e.getMessage());
            return null;
        }
    }
}
