package dev.imgsim.examples.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.imgsim.ImageDecodeException;
import dev.imgsim.index.CopyHit;
import dev.imgsim.index.Hit;
import dev.imgsim.spring.ImgsimTemplate;

/**
 * The service's API: images are the request body (any format imgsim decodes), texts are JSON.
 * <pre>
 * PUT  /images/{id}           body: image bytes        -> {"id": ...}
 * POST /images/search?k=5     body: image bytes        -> {"neighbours": [...], "copies": [...]}
 * POST /images/embedding      body: image bytes        -> [0.01, ...]
 * POST /texts                 body: {"id": "text", ...} -> {"added": n}
 * GET  /texts/search?q=...&amp;k=5                         -> [{"id", "similarity"}, ...]
 * </pre>
 */
@RestController
public class SearchController {
    private final ImgsimTemplate imgsim;

    /** @param imgsim the starter's template */
    public SearchController(ImgsimTemplate imgsim) {
        this.imgsim = imgsim;
    }

    /** Adds an image under an id. */
    @PutMapping("/images/{id}")
    public Map<String, Object> add(@PathVariable("id") String id, @RequestBody byte[] image) {
        imgsim.add(id, image, id, Map.of());
        imgsim.imageIndex().get().commit();
        return Map.of("id", id);
    }

    /** The uploaded image's nearest neighbours and its verified copies. */
    @PostMapping("/images/search")
    public Map<String, Object> search(@RequestBody byte[] image, @RequestParam(name = "k", defaultValue = "5") int k) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("neighbours", hits(imgsim.search(image, "upload", k)));
        List<Map<String, Object>> copies = new ArrayList<>();
        for (CopyHit c : imgsim.searchCopies(image, "upload", k)) {
            if (c.match().isCopy()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", c.id());
                m.put("band", c.match().band().toString());
                m.put("confidence", c.match().confidence());
                m.put("transform", c.match().transform().toString());
                copies.add(m);
            }
        }
        out.put("copies", copies);
        return out;
    }

    /** The uploaded image's embedding. */
    @PostMapping("/images/embedding")
    public float[] embedding(@RequestBody byte[] image) {
        return imgsim.embed(image, "upload");
    }

    /** Adds texts: a JSON object of id to text. */
    @PostMapping("/texts")
    public Map<String, Object> addTexts(@RequestBody Map<String, String> texts) {
        texts.forEach(imgsim::addText);
        imgsim.textIndex().get().commit();
        return Map.of("added", texts.size());
    }

    /** Hybrid text search. */
    @GetMapping("/texts/search")
    public List<Map<String, Object>> searchTexts(@RequestParam("q") String q,
            @RequestParam(name = "k", defaultValue = "5") int k) {
        return hits(imgsim.searchText(q, k));
    }

    private static List<Map<String, Object>> hits(List<Hit> hits) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Hit h : hits) {
            out.add(Map.of("id", h.id(), "similarity", h.similarity()));
        }
        return out;
    }

    /** A body that is not an image is the client's mistake: 400 with imgsim's message. */
    @ExceptionHandler(ImageDecodeException.class)
    public ResponseEntity<Map<String, String>> notAnImage(ImageDecodeException e) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", e.getMessage()));
    }
}
