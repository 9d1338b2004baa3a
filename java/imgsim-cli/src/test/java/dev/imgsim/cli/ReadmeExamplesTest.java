package dev.imgsim.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The README's Java examples compile against the current API: each {@code ```java} block becomes
 * the body of a method, with the variables the README leaves to the reader declared around it.
 * The Spark and OpenSearch block needs both on one classpath, which no module's tests have; its
 * calls are exercised by those modules' own tests.
 */
public class ReadmeExamplesTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static final String IMPORTS = String.join("\n",
            "import java.awt.image.BufferedImage;", "import java.io.File;", "import java.nio.file.*;", "import java.util.*;",
            "import javax.imageio.ImageIO;", "import dev.imgsim.*;", "import dev.imgsim.ImageSimilarity.BundledModel;",
            "import dev.imgsim.index.*;", "import dev.imgsim.text.*;", "import dev.imgsim.langchain4j.*;",
            "import dev.langchain4j.data.document.Document;", "import dev.langchain4j.data.segment.TextSegment;",
            "import dev.langchain4j.model.embedding.EmbeddingModel;", "import dev.langchain4j.rag.content.retriever.*;",
            "import dev.langchain4j.store.embedding.*;", "import dev.imgsim.elasticsearch.*;", "import dev.imgsim.spring.*;",
            "import dev.imgsim.springai.*;", "import org.springframework.ai.vectorstore.*;");

    /** What the README's blocks use without declaring it. */
    private static final String GIVEN = String.join("\n",
            "static File file; static List<BufferedImage> images; static float[] mean, std, embedding;",
            "static List<Path> files; static Path dir; static ImageSimilarity sim; static TextEmbedder text;",
            "static List<String> list, ids; static String userText; static List<Document> documents;",
            "static org.springframework.context.ApplicationContext springContext; static byte[] uploadedBytes;");

    static List<String> javaBlocks(Path readme) throws IOException {
        List<String> blocks = new ArrayList<>();
        StringBuilder cur = null;
        for (String line : Files.readAllLines(readme, StandardCharsets.UTF_8)) {
            if (cur == null && line.trim().equals("```java")) {
                cur = new StringBuilder();
            } else if (cur != null && line.trim().equals("```")) {
                blocks.add(cur.toString());
                cur = null;
            } else if (cur != null) {
                cur.append(line).append('\n');
            }
        }
        return blocks;
    }

    @Test
    public void everyJavaBlockInTheReadmeCompiles() throws IOException {
        Path root = Paths.get(System.getProperty("imgsim.root", "../..")).toAbsolutePath();
        List<String> blocks = javaBlocks(root.resolve("README.md"));
        assertTrue("the README has Java examples", blocks.size() >= 4);
        List<JavaFileObject> sources = new ArrayList<>();
        int skipped = 0;
        for (int i = 0; i < blocks.size(); i++) {
            String b = blocks.get(i);
            if (b.contains("Dataset<Row>") || b.contains("OpenSearchImageIndex")) {
                skipped++;
                continue;
            }
            String name = "ReadmeBlock" + (i + 1);
            String code = IMPORTS + "\n@SuppressWarnings(\"unused\")\npublic class " + name + " {\n" + GIVEN
                    + "\nstatic void example() throws Exception {\n" + b + "}\n}\n";
            sources.add(new SimpleJavaFileObject(URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return code;
                }
            });
        }
        assertEquals("only the Spark and OpenSearch block is left out", 1, skipped);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diags, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = Arrays.asList("-classpath", System.getProperty("imgsim.test.classpath"), "-d",
                    tmp.getRoot().getPath(), "-proc:none");
            boolean ok = javac.getTask(null, fm, diags, options, null, sources).call();
            StringBuilder errors = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    errors.append(d.getSource() == null ? "" : d.getSource().getName()).append(':').append(d.getLineNumber())
                            .append(": ").append(d.getMessage(Locale.ROOT)).append('\n');
                }
            }
            assertTrue("README examples do not compile:\n" + errors, ok);
        }
    }
}
