// Configs round-trip through JSON, and every user mistake names its key.

#include "io/config_json.h"
#include "io/input_file.h"

#include <nlohmann/json.hpp>

#include <QtTest>
#include <QTemporaryDir>
#include <fstream>
#include <sys/stat.h>

using namespace grokscope;

namespace {

// The message of the ConfigError that `action` throws ("" if none).
template <typename F>
std::string errorOf(F action)
{
    try {
        action();
    } catch (const ConfigError& error) {
        return error.what();
    }
    return {};
}

bool mentions(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

class TestConfigJson : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripKeepsEveryField()
    {
        TrainConfig config;
        config.task.kind = TaskKind::Permutation;
        config.model.activation = Activation::Gelu;
        config.model.layerNorm = LayerNormPlacement::Post;
        config.optim.learningRate = 0.0031;
        config.run.saveRepresentationsAtSteps = {0, 500};
        config.metrics.entropyThreshold = 0.6;
        config.intervention.mixingSite = MixingSite::Embedding;
        config.model.init = InitScheme::Pytorch;
        config.model.initScale = 0.5;
        config.metrics.collapseWindowSteps = 1000;
        config.metrics.collapseSmoothingSteps = 300;
        config.intervention.mixingForm = MixingForm::Swap;
        config.intervention.mixingPartnerGradient = MixingPartnerGradient::Detached;
        config.intervention.mixingPermutation = MixingPermutation::DifferentClass;
        config.intervention.mixingProbability = 0.25;
        config.intervention.mixingLabels = true;
        config.intervention.mixingAtEvaluation = true;
        const nlohmann::json once = configToJson(config);
        const TrainConfig back = applyConfigJson(TrainConfig{}, once);
        QCOMPARE(configToJson(back).dump(), once.dump());
        QCOMPARE(once["optim"]["learning_rate"].get<double>(), 0.0031);
        QCOMPARE(once["task"]["kind"].get<std::string>(), std::string("permutation"));
        QCOMPARE(once["model"]["init"].get<std::string>(), std::string("pytorch"));
        QCOMPARE(once["metrics"]["collapse_window_steps"].get<int>(), 1000);
        QCOMPARE(once["metrics"]["collapse_smoothing_steps"].get<int>(), 300);
        QVERIFY(!once["metrics"].contains("collapse_window_evals"));  // read, never written
        QCOMPARE(once["intervention"]["mixing_permutation"].get<std::string>(), std::string("different_class"));
        QVERIFY(back.intervention.mixingSettings() == config.intervention.mixingSettings());
        QCOMPARE(back.metrics.collapseSmoothingSteps, 300);
    }

    void overridesParseJsonOrBareWords()
    {
        TrainConfig config = applyOverride(TrainConfig{}, "optim.learning_rate=3e-3");
        QCOMPARE(config.optim.learningRate, 3e-3);
        config = applyOverride(config, "model.activation=gelu");
        QVERIFY(config.model.activation == Activation::Gelu);
        config = applyOverride(config, "run.save_representations_at_steps=[0,100]");
        QCOMPARE(config.run.saveRepresentationsAtSteps, (std::vector<long>{0, 100}));
    }

    void unknownKeysAndWrongTypesNameTheKey()
    {
        QVERIFY(mentions(errorOf([] { applyOverride(TrainConfig{}, "optim.lerning_rate=1"); }), "optim.lerning_rate"));
        QVERIFY(mentions(errorOf([] { applyOverride(TrainConfig{}, "run.steps=many"); }), "run.steps"));
        QVERIFY(mentions(errorOf([] { applyOverride(TrainConfig{}, "run.steps=1.5"); }), "integer"));
        QVERIFY(mentions(errorOf([] { applyOverride(TrainConfig{}, "model.activation=tanh"); }), "relu, gelu"));
        QVERIFY(mentions(errorOf([] { applyConfigJson(TrainConfig{}, nlohmann::json{{"task", {{"modulos", 7}}}}); }),
                         "task.modulos"));
        QVERIFY(mentions(errorOf([] { applyOverride(TrainConfig{}, "novalue"); }), "key=value"));
    }

    void impossibleSettingsNameTheKey_data()
    {
        QTest::addColumn<QString>("assignment");
        QTest::addColumn<QString>("key");
        QTest::newRow("composite p") << "task.modulus=91" << "task.modulus";
        QTest::newRow("p too big") << "task.modulus=263" << "task.modulus";
        QTest::newRow("fraction") << "task.train_fraction=1.5" << "task.train_fraction";
        QTest::newRow("heads") << "model.heads=3" << "model.heads";
        QTest::newRow("lr") << "optim.learning_rate=-1" << "optim.learning_rate";
        QTest::newRow("decay flips sign") << "optim.weight_decay=5000" << "optim.weight_decay";
        QTest::newRow("beta") << "optim.beta2=1" << "optim.beta2";
        QTest::newRow("batch") << "optim.batch_size=0" << "optim.batch_size";
        QTest::newRow("cadence") << "run.spectrum_every_steps=150" << "run.spectrum_every_steps";
        QTest::newRow("device") << "run.device=tpu" << "run.device";
        QTest::newRow("alpha") << "intervention.mixing_alpha=2" << "intervention.mixing_alpha";
        QTest::newRow("degree") << "task.permutation_degree=9" << "task.permutation_degree";
        QTest::newRow("init") << "model.init=kaiming" << "model.init:";
        QTest::newRow("init scale") << "model.init_scale=0" << "model.init_scale";
        QTest::newRow("collapse window") << "metrics.collapse_window_steps=0" << "metrics.collapse_window_steps";
        QTest::newRow("collapse smoothing") << "metrics.collapse_smoothing_steps=-100"
                                            << "metrics.collapse_smoothing_steps";
        QTest::newRow("mixing form") << "intervention.mixing_form=hard" << "intervention.mixing_form";
        QTest::newRow("partner gradient") << "intervention.mixing_partner_gradient=stopped"
                                          << "intervention.mixing_partner_gradient";
        QTest::newRow("permutation") << "intervention.mixing_permutation=random" << "intervention.mixing_permutation";
        QTest::newRow("probability 0") << "intervention.mixing_probability=0" << "intervention.mixing_probability";
        QTest::newRow("probability > 1") << "intervention.mixing_probability=1.5" << "intervention.mixing_probability";
        QTest::newRow("mix labels") << "intervention.mixing_labels=yes" << "intervention.mixing_labels";
        QTest::newRow("mix at evaluation") << "intervention.mixing_at_evaluation=1"
                                           << "intervention.mixing_at_evaluation";
    }

    void impossibleSettingsNameTheKey()
    {
        QFETCH(QString, assignment);
        QFETCH(QString, key);
        std::string message = errorOf([&] {
            TrainConfig config = applyOverride(TrainConfig{}, assignment.toStdString());
            if (assignment.startsWith("task.permutation_degree"))
                config.task.kind = TaskKind::Permutation;
            validateConfig(config);
        });
        QVERIFY2(mentions(message, key.toStdString()), message.c_str());
        QVERIFY2(message.find('\n') == std::string::npos, message.c_str());
    }

    // Releases whose T_collapse window counted spectrum evaluations wrote
    // metrics.collapse_window_evals: it reads as the window from the first to the last of
    // that many evaluations, in steps, at the config's own cadence.
    void theLegacyCollapseWindowReadsAsSteps()
    {
        const auto windowOf = [](const char* document) {
            return applyConfigJson(TrainConfig{}, nlohmann::json::parse(document)).metrics.collapseWindowSteps;
        };
        QCOMPARE(TrainConfig{}.run.spectrumEverySteps, 100);
        QCOMPARE(windowOf(R"({"metrics": {"collapse_window_evals": 5}})"), 400);  // (5 − 1) × 100
        QCOMPARE(windowOf(R"({"metrics": {"collapse_window_evals": 5},
                              "run": {"eval_every_steps": 100, "spectrum_every_steps": 200}})"),
                 800);
        QCOMPARE(windowOf(R"({"metrics": {"collapse_window_evals": 2}})"), 100);
        // The new key wins where both are given.
        QCOMPARE(windowOf(R"({"metrics": {"collapse_window_evals": 5, "collapse_window_steps": 1000}})"), 1000);
        QCOMPARE(windowOf(R"({"metrics": {"collapse_window_steps": 1000, "collapse_window_evals": 9}})"), 1000);
        QCOMPARE(applyOverride(TrainConfig{}, "metrics.collapse_window_evals=5").metrics.collapseWindowSteps, 400);
        // A run log of release 0.1: z23-quick, a spectrum every 50 steps.
        const TrainConfig released =
            loadConfigFile(TrainConfig{}, GROKSCOPE_SOURCE_DIR "/tests/data/release-0.1-run/config.json");
        QCOMPARE(released.run.spectrumEverySteps, 50);
        QCOMPARE(released.metrics.collapseWindowSteps, 200);
        // Readable, but no longer a key of its own: `grokscope-cli keys` lists the new one.
        const std::vector<std::string> keys = configKeys();
        QVERIFY(std::find(keys.begin(), keys.end(), "metrics.collapse_window_evals") == keys.end());
        QVERIFY(std::find(keys.begin(), keys.end(), "metrics.collapse_window_steps") != keys.end());
        QVERIFY(std::find(keys.begin(), keys.end(), "metrics.collapse_smoothing_steps") != keys.end());
    }

    void collapseWindowMistakesNameTheKey()
    {
        const auto documentError = [](const char* document) {
            return errorOf([&] { applyConfigJson(TrainConfig{}, nlohmann::json::parse(document)); });
        };
        const auto overrideError = [](const char* assignment) {
            return errorOf([&] { validateConfig(applyOverride(TrainConfig{}, assignment)); });
        };
        const std::vector<std::pair<std::string, std::string>> cases = {
            {overrideError("metrics.collapse_window_evals=1"),
             "metrics.collapse_window_evals: must be at least 2 (the key is replaced by metrics.collapse_window_steps)"},
            {documentError(R"({"metrics": {"collapse_window_evals": "five"}})"),
             "metrics.collapse_window_evals: expected a number"},
            {documentError(R"({"metrics": {"collapse_window_evals": 4294967301}})"),
             "metrics.collapse_window_evals: 4294967301 is out of range"},
            {documentError(R"({"metrics": {"collapse_window_evals": 2147483647}})"),
             "metrics.collapse_window_evals: 2147483647 evaluations of 100 steps do not fit"},
            {overrideError("metrics.collapse_window_steps=1.5"), "metrics.collapse_window_steps: expected an integer"},
            {overrideError("metrics.collapse_window_steps=-800"), "metrics.collapse_window_steps: must be at least 1"},
            {overrideError("metrics.collapse_smoothing_steps=-1"), "metrics.collapse_smoothing_steps: must be >= 0"},
        };
        for (const auto& [message, expected] : cases) {
            QVERIFY2(mentions(message, expected), message.c_str());
            QVERIFY2(message.find('\n') == std::string::npos, message.c_str());
        }
        validateConfig(applyOverride(applyOverride(TrainConfig{}, "metrics.collapse_window_steps=1"),
                                     "metrics.collapse_smoothing_steps=0"));
    }

    void malformedFilesNameTheFile()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("broken.json").toStdString();
        std::ofstream(path) << "{ \"optim\": { \"learning_rate\": 0.001, ";
        const std::string message = errorOf([&] { loadConfigFile(TrainConfig{}, path); });
        QVERIFY2(mentions(message, "broken.json") && mentions(message, "not valid JSON"), message.c_str());
        QVERIFY(mentions(errorOf([&] { loadConfigFile(TrainConfig{}, dir.filePath("missing.json").toStdString()); }),
                         "missing.json"));
    }

    // A cast through long long used to wrap these silently (4294967319 -> 23).
    void integersPastTheirRangeAreRefused_data()
    {
        QTest::addColumn<QString>("document");
        QTest::addColumn<QString>("key");
        QTest::newRow("modulus 2^32+23") << R"({"task": {"modulus": 4294967319}})" << "task.modulus";
        QTest::newRow("d_model 2^32+64") << R"({"model": {"d_model": 4294967360}})" << "model.d_model";
        QTest::newRow("warmup 2^32+10") << R"({"optim": {"warmup_steps": 4294967306}})" << "optim.warmup_steps";
        QTest::newRow("negative int") << R"({"optim": {"warmup_steps": -4294967306}})" << "optim.warmup_steps";
        QTest::newRow("past uint64") << R"({"run": {"model_seed": 1e30}})" << "run.model_seed";
        QTest::newRow("float past int") << R"({"model": {"heads": 4294967300.0}})" << "model.heads";
        QTest::newRow("steps past long") << R"({"run": {"steps": 18446744073709551615}})" << "run.steps";
    }

    void integersPastTheirRangeAreRefused()
    {
        QFETCH(QString, document);
        QFETCH(QString, key);
        const std::string message =
            errorOf([&] { applyConfigJson(TrainConfig{}, nlohmann::json::parse(document.toStdString())); });
        QVERIFY2(mentions(message, key.toStdString()) && mentions(message, "out of range"), message.c_str());
    }

    void everyTaskKeyIsValidatedWhateverTheTask()
    {
        for (const char* degree : {"-1", "0", "2147483647"}) {
            const std::string message = errorOf([&] {
                validateConfig(applyOverride(TrainConfig{}, std::string("task.permutation_degree=") + degree));
            });
            QVERIFY2(mentions(message, "task.permutation_degree"), message.c_str());
        }
        TrainConfig permutation = loadPreset("s5");
        QVERIFY(mentions(errorOf([&] { validateConfig(applyOverride(permutation, "task.modulus=96")); }), "task.modulus"));
        validateConfig(permutation);
    }

    void boundsThatKeepARunFinite()
    {
        QVERIFY(mentions(errorOf([] { validateConfig(applyOverride(TrainConfig{}, "run.steps=1000000000000")); }),
                         "run.steps"));
        QVERIFY(mentions(errorOf([] { validateConfig(applyOverride(TrainConfig{}, "run.threads=1000")); }),
                         "run.threads"));
        QVERIFY(mentions(errorOf([] { validateConfig(applyOverride(TrainConfig{}, "run.keep_checkpoints=0")); }),
                         "run.keep_checkpoints"));
        QVERIFY(mentions(errorOf([] { validateConfig(applyOverride(TrainConfig{}, "intervention.mixing_until_step=-5")); }),
                         "intervention.mixing_until_step"));
        // 1e400 does not parse as a JSON number (it would overflow to infinity).
        QVERIFY(mentions(errorOf([] { applyOverride(TrainConfig{}, "optim.learning_rate=1e400"); }),
                         "optim.learning_rate: expected a number"));
        validateConfig(applyOverride(TrainConfig{}, "run.steps=1000000000"));
    }

    // A name is printed on one line and stored as JSON text; where it becomes a directory
    // (grokscope-cli run without --out) it must be a plain name too
    // (app/cli_commands.cpp; the fuzz corpus runs it).
    void namesMustBeOneLineOfText()
    {
        for (const std::string& name : std::vector<std::string>{"tab\there", "line\nbreak", "\xff\xfe"}) {
            const std::string message = errorOf([&] {
                TrainConfig config;
                config.name = name;
                validateConfig(config);
            });
            QVERIFY2(mentions(message, "name:") && message.find('\n') == std::string::npos, message.c_str());
        }
        for (const std::string& name : std::vector<std::string>{"z97-add (branch at 400)", "experiment/arm"}) {
            TrainConfig config;
            config.name = name;
            validateConfig(config);
        }
        for (const std::string& name : std::vector<std::string>{"../../x", "a/b", "..", ".", "", "a\\b"})
            QVERIFY2(plainNameProblem(name).has_value(), name.c_str());
        QVERIFY(!plainNameProblem("z97-add seed 0 (a+b) [x]").has_value());
    }

    void deepNestingIsRefusedWithoutRecursing()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("deep.json").toStdString();
        std::ofstream(path) << std::string(50000, '[') << std::string(50000, ']');
        QVERIFY(mentions(errorOf([&] { loadConfigFile(TrainConfig{}, path); }), "nested deeper than 64"));
        const std::string objects = dir.filePath("objects.json").toStdString();
        std::string text;
        for (int i = 0; i < 50000; ++i)
            text += "{\"a\":";
        std::ofstream(objects) << text << "1" << std::string(50000, '}');
        QVERIFY(mentions(errorOf([&] { loadConfigFile(TrainConfig{}, objects); }), "objects.json"));
        // Depth inside strings does not count.
        const std::string quoted = dir.filePath("quoted.json").toStdString();
        std::ofstream(quoted) << "{\"name\": \"" << std::string(100, '[') << "\"}";
        QCOMPARE(loadConfigFile(TrainConfig{}, quoted).name, std::string(100, '['));
    }

    void specialFilesAreRefusedWithoutBlocking()
    {
        QTemporaryDir dir;
        const std::string fifo = dir.filePath("config.json").toStdString();
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        QVERIFY(mentions(errorOf([&] { loadConfigFile(TrainConfig{}, fifo); }), "not a regular file"));
        QVERIFY(mentions(errorOf([&] { loadConfigFile(TrainConfig{}, dir.path().toStdString()); }), "directory"));
    }

    void presetsLoadAndValidate()
    {
        const auto names = presetNames();
        for (const char* expected : {"z97-add", "z97-sub", "z97-mul", "s5", "mlp-z41", "z23-quick"})
            QVERIFY2(std::find(names.begin(), names.end(), expected) != names.end(), expected);
        for (const std::string& name : names)
            validateConfig(loadPreset(name));
        const TrainConfig add = loadPreset("z97-add");
        QCOMPARE(add.task.modulus, 97);
        QCOMPARE(add.task.trainFraction, 0.3);
        QCOMPARE(add.optim.batchSize, 512);
        QCOMPARE(add.optim.beta2, 0.98);
        QVERIFY(add.model.layerNorm == LayerNormPlacement::None);
        QCOMPARE(loadPreset("s5").task.trainFraction, 0.1);
        QVERIFY(loadPreset("mlp-z41").model.architecture == Architecture::Mlp);
        QVERIFY(mentions(errorOf([] { loadPreset("z98-add"); }), "z97-add"));
    }

    void thresholdDefaultsToThePapersTaskValue()
    {
        TrainConfig config;
        QCOMPARE(effectiveEntropyThreshold(config), 0.605);
        config.task.kind = TaskKind::Permutation;
        QCOMPARE(effectiveEntropyThreshold(config), 0.655);
        config = applyOverride(config, "metrics.entropy_threshold=0.7");
        QCOMPARE(effectiveEntropyThreshold(config), 0.7);
    }
};

QTEST_APPLESS_MAIN(TestConfigJson)
#include "tst_config_json.moc"
