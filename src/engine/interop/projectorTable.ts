/**
 * The projector head's names, engine ↔ PyTorch: the one place that knows them. The head is an
 * Mlp numbered as nn.Sequential numbers its modules (Linear, [BatchNorm], ReLU, …), so index N
 * keeps its number on both sides; a head batch norm is dual here (main/aux) and a
 * DualBatchNorm1d (bn/bn_adv) in the companion package. If the engine moves the head (e.g. out of
 * the encoder into a method-owned store) or renames it, change the `engine` patterns here.
 */
export interface ProjectorRule {
  /** A full engine variable name (store prefix included). */
  engine: RegExp;
  /** The PyTorch state_dict name, `$1`… taken from `engine`'s groups. */
  torch: string;
}

export const PROJECTOR_TABLE: readonly ProjectorRule[] = [
  { engine: /^encoder\/g\.(\d+)\.(weight|bias)$/, torch: 'projector.$1.$2' },
  { engine: /^encoder\/g\.(\d+)\.main\.(weight|bias|running_mean|running_var)$/, torch: 'projector.$1.bn.$2' },
  { engine: /^encoder\/g\.(\d+)\.aux\.(weight|bias|running_mean|running_var)$/, torch: 'projector.$1.bn_adv.$2' },
];
