"""BERT-Large for SQuAD as the reference language/bert/pytorch_SUT.py runs it, without `transformers`.

The official ``model.pytorch`` is the state dict of transformers' ``BertForQuestionAnswering``
(bert_tf_to_pytorch.py). This module has the same parameter names, so that file loads strictly,
and computes what that class computes in eval mode with bert_config.json's settings: exact (erf)
GELU, LayerNorm eps 1e-12, learned absolute positions, an additive -10000 attention mask, a
per-token ``qa_outputs`` linear layer giving (start, end) logits. The sizes come from the tensors'
shapes; the head count from BERT's head size of 64 (bert_config.json: 1024 hidden / 16 heads).
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

HEAD_SIZE = 64
LAYER_NORM_EPS = 1e-12
# Keys some transformers versions save beside the weights; neither changes the QA logits.
IGNORED_PREFIXES = ("bert.embeddings.position_ids", "bert.pooler.")


def is_bert_qa(state):
    return "qa_outputs.weight" in state and "bert.embeddings.word_embeddings.weight" in state


class _Embeddings(nn.Module):
    def __init__(self, vocab, hidden, positions, types):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(positions, hidden)
        self.token_type_embeddings = nn.Embedding(types, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)

    def forward(self, input_ids, segment_ids):
        pos = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        x = self.word_embeddings(input_ids) + self.position_embeddings(pos) + self.token_type_embeddings(segment_ids)
        return self.LayerNorm(x)


class _SelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.size = heads, hidden // heads
        self.query, self.key, self.value = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)

    def _split(self, x):   # [b, s, h] -> [b, heads, s, size]
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.size).transpose(1, 2)

    def forward(self, x, mask_add):
        q, k, v = self._split(self.query(x)), self._split(self.key(x)), self._split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.size) + mask_add
        ctx = F.softmax(scores, dim=-1) @ v
        b, _, s, _ = ctx.shape
        return ctx.transpose(1, 2).reshape(b, s, self.heads * self.size)


class _DenseNorm(nn.Module):
    """dense -> residual add -> LayerNorm (BertSelfOutput and BertOutput)."""

    def __init__(self, n_in, hidden):
        super().__init__()
        self.dense = nn.Linear(n_in, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class _Attention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.self = _SelfAttention(hidden, heads)
        self.output = _DenseNorm(hidden, hidden)

    def forward(self, x, mask_add):
        return self.output(self.self(x, mask_add), x)


class _Intermediate(nn.Module):
    def __init__(self, hidden, inner):
        super().__init__()
        self.dense = nn.Linear(hidden, inner)

    def forward(self, x):
        return F.gelu(self.dense(x))   # bert_config.json hidden_act "gelu": the erf form


class _Layer(nn.Module):
    def __init__(self, hidden, heads, inner):
        super().__init__()
        self.attention = _Attention(hidden, heads)
        self.intermediate = _Intermediate(hidden, inner)
        self.output = _DenseNorm(inner, hidden)

    def forward(self, x, mask_add):
        a = self.attention(x, mask_add)
        return self.output(self.intermediate(a), a)


class _Encoder(nn.Module):
    def __init__(self, layers, hidden, heads, inner):
        super().__init__()
        self.layer = nn.ModuleList(_Layer(hidden, heads, inner) for _ in range(layers))


class _Bert(nn.Module):
    def __init__(self, vocab, hidden, positions, types, layers, heads, inner):
        super().__init__()
        self.embeddings = _Embeddings(vocab, hidden, positions, types)
        self.encoder = _Encoder(layers, hidden, heads, inner)


class BertForQuestionAnswering(nn.Module):
    """forward(input_ids, input_mask, segment_ids) -> (start_logits, end_logits), each [batch, seq]."""

    def __init__(self, vocab, hidden, positions, types, layers, heads, inner):
        super().__init__()
        self.bert = _Bert(vocab, hidden, positions, types, layers, heads, inner)
        self.qa_outputs = nn.Linear(hidden, 2)

    def forward(self, input_ids, input_mask, segment_ids):
        mask_add = (1.0 - input_mask[:, None, None, :].to(torch.float32)) * -10000.0
        x = self.bert.embeddings(input_ids, segment_ids)
        for layer in self.bert.encoder.layer:
            x = layer(x, mask_add)
        logits = self.qa_outputs(x)
        return logits[..., 0], logits[..., 1]

    @classmethod
    def from_state_dict(cls, state):
        """Sizes from the tensors; loads strictly (a missing or unknown key is an error)."""
        state = {k: v for k, v in state.items() if not k.startswith(IGNORED_PREFIXES)}
        vocab, hidden = state["bert.embeddings.word_embeddings.weight"].shape
        layers = 1 + max(int(k.split(".")[3]) for k in state if k.startswith("bert.encoder.layer."))
        if hidden % HEAD_SIZE:
            raise ValueError(f"hidden size {hidden} is not a multiple of BERT's head size {HEAD_SIZE}")
        model = cls(vocab, hidden, state["bert.embeddings.position_embeddings.weight"].shape[0],
                    state["bert.embeddings.token_type_embeddings.weight"].shape[0], layers,
                    hidden // HEAD_SIZE, state["bert.encoder.layer.0.intermediate.dense.weight"].shape[0])
        model.load_state_dict(state, strict=True)
        return model.eval()
