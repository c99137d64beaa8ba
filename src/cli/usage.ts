/** The help text (`idaa --help`, and after a command line that cannot be parsed). */
export const USAGE = `idaa — train and inspect IDAA (identity-disentangled adversarial augmentation)

Usage:
  idaa demo                         the main job: small VAE + SimCLR-with-IDAA on Fashion-MNIST,
                                    checkpoints, kNN + linear probe, and an inspection sheet
  idaa vae    [run options]         pre-train the VAE only
  idaa train  [run options]         pre-train the VAE (unless --vae), then SimCLR with IDAA
  idaa resume <run-dir> [--from F] [--force]
                                    continue a run exactly from its latest (or a given) checkpoint
  idaa experiment <spec.json> [--parallel N] [--out DIR]
                                    a grid of runs (datasets × methods × seeds, transfer), resumable,
                                    with REPORT.md, results.json and plots in <out>/<name>/
  idaa runs [--root DIR]            list runs with state, epoch and best kNN accuracy
  idaa checkpoints <run-dir>        list a run's complete checkpoints
  idaa inspect --checkpoint F [--indices 0,1,2] [--eps E] [--steps K] [--split test] [--mode training|inference] [--batch N] [--out DIR]
  idaa eval    --checkpoint F [--probe-epochs N]
                                    kNN and the linear probe; a run's checkpoint keeps the result in
                                    <run>/linear-probe.json (as Evaluate Checkpoint in the editor)
  idaa export  --checkpoint F --out DIR [--data-path D]
                                    the VAE (and the encoder) for PyTorch: safetensors with the authors'
                                    names and layouts + idaa-torch.json (python/idaa_torch loads it)
  idaa import  <bundle-dir> [--run-dir DIR] [--dataset NAME] [--data-path D] [--config F]
                                    a bundle (idaa export, the companion's save_bundle, or the authors'
                                    .pth via python3 -m idaa_torch.convert) as a run with one checkpoint

Run options:
  --config FILE        a run config (JSON; schema: schemas/run-config.schema.json)
  --preset NAME        reference | small | tiny (default small)
  --dataset NAME       fashion-mnist | mnist | cifar10 | cifar100 | folder
  --data-path DIR      folder of cifar10/cifar100/folder data
  --method NAME        simclr | simsiam | byol | mocov2 (default simclr); each brings its own heads and optimizer
  --no-idaa            the method alone (no adversarial view)
  --eps E --attack-steps K --alpha A --seed N
  --vae-epochs N --epochs N --train-limit N
  --vae FILE           use the VAE of this checkpoint instead of pre-training one
  --run-dir DIR        where to write the run (default <root>/<time>-<kind>-<dataset>)
  --root DIR           the folder of runs (default .idaa/runs)
Ctrl-C stops a training at the next batch with a checkpoint; a second Ctrl-C quits at once.
Common:
  --backend B          auto | tensorflow-gpu | webgpu | tensorflow | wasm | cpu (env IDAA_BACKEND overrides)
  --threads N|auto     wasm threads (default auto: the machine's cores, at most 8; env IDAA_WASM_THREADS overrides)
  --json               JSON lines on stdout
  -h, --help

Every flag is checked before any work starts. Errors name the flag, file or field at fault and
what is allowed; an unexpected error also writes its stack trace to <run folder>/idaa-error.log
(or idaa-error-<pid>.log in the temporary folder) and prints that path; IDAA_DEBUG=1 prints it too.
Exit status: 0 done (also a training stopped with Ctrl-C); 1 an error (a bad flag value or path,
config, data, checkpoint, disk or internal error); 2 a command line that cannot be parsed (unknown
command or option, an option without its value); 130 a second Ctrl-C.`;
